import SmartNIC

/// A reproducible byte stream: byte i depends only on (seed, i). A sender produces it and a
/// receiver checks every byte against it as it arrives, so transfers of any size are verified
/// byte for byte in fixed memory.
public struct PatternStream: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count`.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, offset: Int) {
        var index = 0
        while index < buffer.count {
            let position = offset + index
            var generator = SeededRandom(seed: seed ^ UInt64(position / 8) &* 0x2545_f491_4f6c_dd1d)
            let word = generator.next()
            let within = position % 8
            let take = min(8 - within, buffer.count - index)
            for k in 0..<take { buffer[index + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(within + k))) }
            index += take
        }
    }

    /// The offset of the first byte in `bytes` that differs from the stream at `offset`, or nil.
    public func firstMismatch(in bytes: UnsafeRawBufferPointer, offset: Int) -> Int? {
        var expected = [UInt8](repeating: 0, count: bytes.count)
        expected.withUnsafeMutableBytes { fill($0, offset: offset) }
        for i in 0..<bytes.count where bytes[i] != expected[i] { return offset + i }
        return nil
    }
}
