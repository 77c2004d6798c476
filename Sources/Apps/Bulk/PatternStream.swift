import SmartNIC
#if canImport(Glibc)
import Glibc
#endif

/// A reproducible byte stream: byte i depends only on (seed, i). A sender produces it and a
/// receiver checks every byte against it as it arrives, so transfers of any size are verified
/// byte for byte in fixed memory.
public struct PatternStream: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The 8 bytes at offsets 8*index ..< 8*index + 8, little-endian.
    @inline(__always) func word(_ index: Int) -> UInt64 {
        var generator = SeededRandom(seed: seed ^ UInt64(index) &* 0x2545_f491_4f6c_dd1d)
        return generator.next()
    }

    /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count`: whole words where it
    /// can (a transfer's check runs in debug builds too, so it must not cost a call per byte).
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, offset: Int) {
        var index = 0
        let count = buffer.count
        while index < count {
            let position = offset + index
            let within = position % 8
            let value = word(position / 8)
            if within == 0 && count - index >= 8 {
                buffer.storeBytes(of: value.littleEndian, toByteOffset: index, as: UInt64.self)
                index += 8
                continue
            }
            let take = min(8 - within, count - index)
            for k in 0..<take { buffer[index + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(within + k))) }
            index += take
        }
    }

    /// The offset of the first byte in `bytes` that differs from the stream at `offset`, or nil.
    /// `scratch` (at least as long as `bytes`) holds the expected bytes, so checking allocates nothing.
    public func firstMismatch(in bytes: UnsafeRawBufferPointer, offset: Int, scratch: UnsafeMutableRawBufferPointer) -> Int? {
        let expected = UnsafeMutableRawBufferPointer(rebasing: scratch[..<bytes.count])
        fill(expected, offset: offset)
        guard bytes.count > 0, memcmp(bytes.baseAddress!, expected.baseAddress!, bytes.count) != 0 else { return nil }
        for i in 0..<bytes.count where bytes[i] != expected[i] { return offset + i }
        return nil
    }

    /// As above, with a buffer of its own.
    public func firstMismatch(in bytes: UnsafeRawBufferPointer, offset: Int) -> Int? {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 8)
        defer { scratch.deallocate() }
        return firstMismatch(in: bytes, offset: offset, scratch: scratch)
    }
}
