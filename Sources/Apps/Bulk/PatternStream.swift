import SmartNIC
#if canImport(Glibc)
import Glibc
#endif

/// A reproducible byte stream: byte i depends only on (seed, i). A sender produces it and a
/// receiver checks every byte against it as it arrives, so transfers of any size are verified
/// byte for byte in fixed memory.
///
/// Byte i is byte i mod 8 (little-endian) of word i / 8, and word k is the first output of
/// SplitMix64 seeded with `seed ^ k * 0x2545f4914f6cdd1d`: a few multiplies per 8 bytes, so the
/// benchmark's own generator and checker stay a small share of a core at gigabits per second.
public struct PatternStream: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// The 8 bytes at offsets 8*index ..< 8*index + 8, little-endian.
    @inline(__always) func word(_ index: Int) -> UInt64 {
        var generator = SeededRandom(seed: seed ^ UInt64(index) &* 0x2545_f491_4f6c_dd1d)
        return generator.next()
    }

    /// Fills `buffer` with the bytes at `offset ..< offset + buffer.count`: the partial word at
    /// each end byte by byte, the whole words between them one store each.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, offset: Int) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = buffer.count
        var index = 0
        // Up to the first word boundary of the stream.
        let within = offset & 7
        if within != 0 {
            let value = word(offset >> 3)
            let take = min(8 - within, count)
            for k in 0..<take { base.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * UInt64(within + k))), toByteOffset: k, as: UInt8.self) }
            index = take
        }
        // Whole words: the stream is word-aligned at `index` now.
        var wordIndex = (offset + index) >> 3
        while count - index >= 8 {
            base.storeBytes(of: word(wordIndex).littleEndian, toByteOffset: index, as: UInt64.self)
            index += 8
            wordIndex += 1
        }
        if index < count {
            let value = word(wordIndex)
            for k in 0..<(count - index) { base.storeBytes(of: UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))), toByteOffset: index + k, as: UInt8.self) }
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
