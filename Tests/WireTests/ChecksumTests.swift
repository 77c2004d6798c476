import Testing
import Wire

@Suite("Internet checksum")
struct ChecksumTests {
    static func sum(_ bytes: [UInt8]) -> InternetChecksum {
        var sum = InternetChecksum()
        bytes.withUnsafeBytes { sum.add($0) }
        return sum
    }

    @Test("RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2")
    func rfc1071Example() {
        let bytes: [UInt8] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]
        #expect(Self.sum(bytes).folded == 0xddf2)
        #expect(Self.sum(bytes).checksum == 0x220d)
        #expect(bytes.withUnsafeBytes { InternetChecksum.of($0) } == 0x220d)
        // The sum is byte-order independent (RFC 1071 §2(B)): swapping every pair swaps the result.
        let swapped: [UInt8] = [0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6]
        #expect(Self.sum(swapped).folded == 0xf2dd)
    }

    @Test("nothing sums to zero; its checksum is 0xffff")
    func empty() {
        #expect(InternetChecksum().folded == 0)
        #expect(InternetChecksum().checksum == 0xffff)
        #expect([UInt8]().withUnsafeBytes { InternetChecksum.of($0) } == 0xffff)
    }

    @Test("an odd trailing byte counts as the high byte of a word padded with zero", arguments: [
        ([UInt8(0xab)], UInt16(0xab00)),
        ([0x00, 0x01, 0xf2], 0xf201),
        ([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6], 0xdcfb),   // the RFC example less its last byte
        ([0xff, 0xff, 0xff], 0xff00),                           // 0xffff + 0xff00 = 0x1feff -> 0xff00
    ] as [([UInt8], UInt16)])
    func oddLengths(bytes: [UInt8], folded: UInt16) {
        #expect(Self.sum(bytes).folded == folded)
        #expect(bytes.withUnsafeBytes { InternetChecksum.of($0) } == ~folded)
    }

    @Test("carries fold back in, even after many words")
    func folding() {
        var sum = InternetChecksum()
        let ones = [UInt8](repeating: 0xff, count: 2 * 100_000)
        ones.withUnsafeBytes { sum.add($0) }
        #expect(sum.folded == 0xffff)
        #expect(Self.sum([0xff, 0xff, 0x00, 0x01]).folded == 0x0001)   // 0x10000 -> 0x0001
        #expect(Self.sum([0x80, 0x00, 0x80, 0x00]).folded == 0x0001)
    }

    @Test("chunks of any length, split at odd boundaries, sum like the whole", arguments: [
        Captured.icmpEchoRequest, Captured.udpDatagram, Captured.tcpRequest, Captured.vxlanEchoRequest, Captured.arpReply,
    ])
    func chunksAtAnyBoundary(frame: [UInt8]) {
        let whole = Self.sum(frame).folded
        // Every two-way split.
        for cut in 0...frame.count {
            var sum = InternetChecksum()
            frame[..<cut].withUnsafeBytes { sum.add($0) }
            frame[cut...].withUnsafeBytes { sum.add($0) }
            #expect(sum.folded == whole, "cut at \(cut)")
        }
        // Byte by byte, with empty chunks in between.
        var byBytes = InternetChecksum()
        for index in frame.indices {
            frame[index...index].withUnsafeBytes { byBytes.add($0) }
            [UInt8]().withUnsafeBytes { byBytes.add($0) }
        }
        #expect(byBytes.folded == whole)
        // Random chunkings.
        var rng = SplitMix64(seed: UInt64(frame.count))
        for _ in 0..<200 {
            var sum = InternetChecksum()
            var start = 0
            while start < frame.count {
                let end = min(frame.count, start + Int(rng.next() % 8))
                frame[start..<end].withUnsafeBytes { sum.add($0) }
                start = end
            }
            #expect(sum.folded == whole)
        }
    }

    @Test("16- and 32-bit words add like their big-endian bytes")
    func wordsAndBytes() {
        var words = InternetChecksum()
        words.add(UInt16(0x0001))
        words.add(UInt32(0xf203_f4f5))
        words.add(UInt16(0xf6f7))
        #expect(words.folded == 0xddf2)
        // Words may follow byte chunks of even length.
        var mixed = InternetChecksum()
        [UInt8]([0x00, 0x01, 0xf2, 0x03]).withUnsafeBytes { mixed.add($0) }
        mixed.add(UInt32(0xf4f5_f6f7))
        #expect(mixed.folded == 0xddf2)
    }

    @Test("the pseudo-header is source, destination, zero, protocol, length (RFC 768)")
    func pseudoHeader() {
        var viaHelper = InternetChecksum()
        viaHelper.addPseudoHeader(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2),
                                  protocolNumber: IPProtocol.udp, length: 21)
        let explicit = Self.sum([10, 99, 0, 1, 10, 99, 0, 2, 0, 17, 0, 21])
        #expect(viaHelper.folded == explicit.folded)
        #expect(viaHelper.folded == 0x14ef)   // what veth offload left in the checksum field of an early capture
    }

    @Test("the captured UDP and TCP checksums are reproduced from the pseudo-header and the data")
    func capturedTransportChecksums() {
        let cases: [([UInt8], UInt8, Int, UInt16)] = [
            (Captured.udpDatagram, IPProtocol.udp, 6, 0xa289),
            (Captured.tcpRequest, IPProtocol.tcp, 16, 0x34b7),
            (Captured.tcpSYN, IPProtocol.tcp, 16, 0x9e0f),
            (Captured.vxlanEchoRequest, IPProtocol.udp, 6, 0xc470),
        ]
        for (frame, protocolNumber, checksumOffset, expected) in cases {
            var segment = Array(frame[At.transport...])
            segment[checksumOffset] = 0
            segment[checksumOffset + 1] = 0
            var sum = InternetChecksum()
            sum.addPseudoHeader(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2),
                                protocolNumber: protocolNumber, length: segment.count)
            segment.withUnsafeBytes { sum.add($0) }
            #expect(sum.checksum == expected)
        }
    }

    @Test("the captured IPv4 header checksums are reproduced, and a header with its checksum sums to 0xffff")
    func capturedHeaderChecksums() {
        for (frame, expected) in [(Captured.icmpEchoRequest, UInt16(0x66fb)), (Captured.icmpTimeExceeded, 0x4a27)] {
            var header = Array(frame[At.ipv4..<At.transport])
            #expect(Self.sum(header).folded == 0xffff)
            header[10] = 0
            header[11] = 0
            #expect(header.withUnsafeBytes { InternetChecksum.of($0) } == expected)
        }
    }

    /// RFC 1071's definition, one big-endian word at a time: what the 8-bytes-per-step sum must equal.
    static func referenceFolded(_ bytes: [UInt8]) -> UInt16 {
        var total: UInt64 = 0
        var index = 0
        while index + 1 < bytes.count {
            total += UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { total += UInt64(bytes[index]) << 8 }
        while total >> 16 != 0 { total = (total & 0xffff) + (total >> 16) }
        return UInt16(total)
    }

    @Test("the wide sum equals the word-by-word definition for every length and chunking, carries included")
    func wideSumMatchesDefinition() {
        var rng = SplitMix64(seed: 1071)
        for length in Array(0...70) + [1447, 1448, 1460, 8972, 9000] {
            for fill in 0..<3 {
                // Random bytes; all 0xff (every lane carries); and mostly 0xff with a few zeros.
                let bytes: [UInt8] = (0..<length).map { _ in
                    switch fill {
                    case 0: UInt8(truncatingIfNeeded: rng.next())
                    case 1: 0xff
                    default: rng.next() % 16 == 0 ? 0 : 0xff
                    }
                }
                let expected = Self.referenceFolded(bytes)
                #expect(Self.sum(bytes).folded == expected, "length \(length), fill \(fill)")
                var chunked = InternetChecksum()
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + Int(rng.next() % 40))
                    bytes[start..<end].withUnsafeBytes { chunked.add($0) }
                    start = end
                }
                #expect(chunked.folded == expected, "length \(length), fill \(fill), chunked")
            }
        }
    }
}
