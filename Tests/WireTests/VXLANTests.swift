import Testing
import Wire

@Suite("VXLAN")
struct VXLANTests {
    static func header(_ frame: [UInt8]) -> [UInt8] { Array(frame[(At.transport + 8)...]) }

    @Test("captured datagram from a Linux vxlan device: flags, VNI 42, the inner ARP request")
    func capturedARP() throws {
        let frame = Captured.vxlanARPRequest
        // Walk down from the outer frame, as the NIC port does.
        let inner: ARPRepr = try frame.withUnsafeBytes { raw in
            let ethernet = try EthernetFrameView(checking: raw)
            #expect(ethernet.etherType == EtherType.ipv4)
            let ip = try IPv4PacketView(checking: ethernet.payload)
            #expect(try IPv4Repr.parse(ip).protocolNumber == IPProtocol.udp)
            let udp = try UDPDatagramView(checking: ip.payload)
            #expect(udp.destinationPort == VXLANHeaderView.standardPort)
            let vxlan = try VXLANHeaderView(checking: udp.payload)
            #expect(vxlan.bytes[0] == 0x08)
            #expect(vxlan.vni == 42)
            #expect(VXLANRepr.parse(vxlan) == VXLANRepr(vni: 42))
            #expect(vxlan.frame.count == 42)
            let innerEthernet = try EthernetFrameView(checking: vxlan.frame)
            #expect(innerEthernet.destination == .broadcast)
            #expect(innerEthernet.etherType == EtherType.arp)
            return try ARPRepr.parse(try ARPPacketView(checking: innerEthernet.payload))
        }
        #expect(inner.operation == .request)
        #expect(inner.targetProtocol == IPv4Address(10, 98, 0, 2))
    }

    @Test("captured datagram carrying an echo request")
    func capturedEcho() throws {
        let header = Self.header(Captured.vxlanEchoRequest)
        try header.withUnsafeBytes { raw in
            let view = try VXLANHeaderView(checking: raw)
            #expect(view.vni == 42)
            #expect(Array(view.frame) == Array(Captured.vxlanEchoRequest[At.innerFrame...]))
            #expect(view.frame.count == 98)
        }
    }

    @Test("emitting the parsed header gives back the captured 8 bytes",
          arguments: [Captured.vxlanARPRequest, Captured.vxlanEchoRequest])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let header = Self.header(frame)
        let repr = try header.withUnsafeBytes { raw in VXLANRepr.parse(try VXLANHeaderView(checking: raw)) }
        var out = [UInt8](repeating: 0xee, count: 10)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<8]) == "0800000000002a00")
        #expect(out[..<8] == header[..<8])
        #expect(out[8...].allSatisfy { $0 == 0xee })
    }

    @Test("without the I flag the header is refused", arguments: [0x00, 0x01, 0x80, 0xf7] as [UInt8])
    func noIFlag(flags: UInt8) {
        var header = Self.header(Captured.vxlanEchoRequest)
        header[0] = flags
        let error = parseError(header) { raw throws(WireError) in try VXLANHeaderView(checking: raw) }
        #expect(error == .malformed(layer: "VXLAN", reason: "I flag not set (flags 0x\(String(flags, radix: 16)))"))
    }

    @Test("reserved bits are ignored on input and written as zero")
    func reservedBits() throws {
        var header = Self.header(Captured.vxlanEchoRequest)
        header[0] = 0xff
        header[1] = 0xff; header[2] = 0xff; header[3] = 0xff
        header[7] = 0xff
        let repr = try header.withUnsafeBytes { raw in VXLANRepr.parse(try VXLANHeaderView(checking: raw)) }
        #expect(repr.vni == 42)
        var out = [UInt8](repeating: 0xff, count: 8)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out) == "0800000000002a00")
    }

    @Test("the VNI is 24 bits, all of them read and written", arguments: [0, 1, 0x00ab_cdef, 0x00ff_ffff] as [UInt32])
    func vniRange(vni: UInt32) throws {
        var out = [UInt8](repeating: 0, count: 8)
        out.withUnsafeMutableBytes { VXLANRepr(vni: vni).emit(into: $0) }
        #expect(out[4] == UInt8(vni >> 16) && out[5] == UInt8(vni >> 8 & 0xff) && out[6] == UInt8(vni & 0xff) && out[7] == 0)
        let parsed = try out.withUnsafeBytes { raw in try VXLANHeaderView(checking: raw) .vni }
        #expect(parsed == vni)
    }

    @Test("a header with nothing behind it carries an empty frame")
    func headerOnly() throws {
        let header = Array(Self.header(Captured.vxlanEchoRequest)[..<8])
        let count = try header.withUnsafeBytes { raw in try VXLANHeaderView(checking: raw).frame.count }
        #expect(count == 0)
    }

    @Test("every buffer shorter than 8 bytes is truncated")
    func truncated() {
        expectEveryShortPrefixTruncated(Self.header(Captured.vxlanARPRequest), layer: "VXLAN", needed: 8) { raw throws(WireError) in
            try VXLANHeaderView(checking: raw)
        }
    }

    @Test("constants from RFC 7348")
    func constants() {
        #expect(VXLANHeaderView.length == 8)
        #expect(VXLANHeaderView.validVNIFlag == 0x08)
        #expect(VXLANHeaderView.standardPort == 4789)
    }
}
