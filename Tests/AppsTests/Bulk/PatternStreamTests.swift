import Apps
import SmartNIC
import Testing

@Suite("The bulk transfer's pattern stream")
struct PatternStreamTests {
    /// Byte `offset` of the stream by its definition, one byte at a time.
    static func byte(_ seed: UInt64, at offset: Int) -> UInt8 {
        var generator = SeededRandom(seed: seed ^ UInt64(offset / 8) &* 0x2545_f491_4f6c_dd1d)
        return UInt8(truncatingIfNeeded: generator.next() >> (8 * UInt64(offset % 8)))
    }

    @Test("any stretch, at any offset, holds the bytes the definition gives")
    func fillMatchesDefinition() {
        let stream = PatternStream(seed: 77)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        for offset in [0, 1, 7, 8, 9, 15, 1_000_003, 1 << 40] {
            for length in 0...40 {
                let stretch = UnsafeMutableRawBufferPointer(rebasing: buffer[..<length])
                stream.fill(stretch, offset: offset)
                let expected = (0..<length).map { Self.byte(77, at: offset + $0) }
                #expect(Array(stretch) == expected, "offset \(offset), length \(length)")
            }
        }
    }

    @Test("a stream filled in pieces equals one filled whole, and seeds give different streams")
    func piecesAndSeeds() {
        let stream = PatternStream(seed: 5)
        var whole = [UInt8](repeating: 0, count: 4096)
        whole.withUnsafeMutableBytes { stream.fill($0, offset: 0) }
        var pieces = [UInt8](repeating: 0, count: 4096)
        var start = 0
        for size in [1, 3, 8, 13, 64, 1447, 2560] where start < 4096 {
            let end = min(4096, start + size)
            pieces.withUnsafeMutableBytes { stream.fill(UnsafeMutableRawBufferPointer(rebasing: $0[start..<end]), offset: start) }
            start = end
        }
        #expect(start == 4096)
        #expect(pieces == whole)
        var other = [UInt8](repeating: 0, count: 4096)
        other.withUnsafeMutableBytes { PatternStream(seed: 6).fill($0, offset: 0) }
        #expect(other != whole)
    }

    @Test("the checker names the first byte that differs, and passes the stream itself")
    func firstMismatch() {
        let stream = PatternStream(seed: 9)
        var bytes = [UInt8](repeating: 0, count: 3000)
        bytes.withUnsafeMutableBytes { stream.fill($0, offset: 12_345) }
        #expect(bytes.withUnsafeBytes { stream.firstMismatch(in: $0, offset: 12_345) } == nil)
        // Shifted by one word: every byte is the stream's, at the wrong place.
        #expect(bytes.withUnsafeBytes { stream.firstMismatch(in: $0, offset: 12_353) } == 12_353)
        bytes[2999] ^= 1
        bytes[1777] ^= 0x80
        #expect(bytes.withUnsafeBytes { stream.firstMismatch(in: $0, offset: 12_345) } == 12_345 + 1777)
    }
}
