import Testing
import Wire

// The loads and stores in ByteOrder.swift are internal; they are tested here through the public
// readers and emitters that use them, at unaligned offsets and with the high bit set, where a
// host-order or sign-extension mistake would show.
@Suite("Network byte order")
struct ByteOrderTests {
    @Test("16-bit fields are big-endian, high bit included")
    func sixteenBits() throws {
        let datagram: [UInt8] = [0x80, 0x01, 0xff, 0xfe, 0x00, 0x08, 0x12, 0x34]
        try datagram.withUnsafeBytes { raw in
            let view = try UDPDatagramView(checking: raw)
            #expect(view.sourcePort == 0x8001)
            #expect(view.destinationPort == 0xfffe)
            #expect(view.length == 8)
            #expect(view.checksum == 0x1234)
        }
    }

    @Test("32-bit fields are big-endian, high bit included")
    func thirtyTwoBits() throws {
        var segment = [UInt8](repeating: 0, count: 20)
        segment[0] = 0x00; segment[1] = 0x01; segment[2] = 0x00; segment[3] = 0x02
        segment[4...7] = [0xfe, 0xdc, 0xba, 0x98]
        segment[8...11] = [0x80, 0x00, 0x00, 0x01]
        segment[12] = 0x50
        let repr = try segment.withUnsafeBytes { raw in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) }
        #expect(repr.sequenceNumber == 0xfedc_ba98)
        #expect(repr.acknowledgmentNumber == 0x8000_0001)
    }

    @Test("reads at odd offsets inside a buffer, and from a slice that does not start at zero")
    func unalignedReads() {
        let bytes: [UInt8] = [0x00, 0x0a, 0x63, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0xfe]
        bytes.withUnsafeBytes { raw in
            #expect(IPv4Address(reading: raw, at: 1) == IPv4Address(10, 99, 0, 1))
            #expect(IPv4Address(reading: raw, at: 5) == IPv4Address(192, 168, 1, 254))
            let slice = UnsafeRawBufferPointer(rebasing: raw[5...])
            #expect(IPv4Address(reading: slice, at: 0) == IPv4Address(192, 168, 1, 254))
        }
    }

    @Test("stores write most significant byte first, at the offset given, and nowhere else")
    func stores() {
        var out = [UInt8](repeating: 0xee, count: 23)
        out.withUnsafeMutableBytes { raw in
            let slice = UnsafeMutableRawBufferPointer(rebasing: raw[1...])   // odd start
            TCPHeaderRepr(sourcePort: 0x8001, destinationPort: 0x00ff, sequenceNumber: 0xfedc_ba98,
                          acknowledgmentNumber: 0x0102_0304, flags: [.ack], window: 0xabcd, urgentPointer: 0x8000)
                .emit(into: slice)
        }
        #expect(out[0] == 0xee)
        #expect(hex(out[1..<21]) == "800100fffedcba9801020304" + "5010abcd00008000")
        #expect(out[21] == 0xee && out[22] == 0xee)
    }

    @Test("length checks pass at exactly the length needed and name both counts below it")
    func lengthCheck() {
        let header: [UInt8] = [0x08, 0, 0, 0, 0, 0, 0x2a, 0]
        #expect(parseError(header) { raw throws(WireError) in try VXLANHeaderView(checking: raw) } == nil)
        #expect(parseError(Array(header.prefix(7))) { raw throws(WireError) in try VXLANHeaderView(checking: raw) }
                == .truncated(layer: "VXLAN", needed: 8, available: 7))
    }
}
