import Testing
import Wire

@Suite("Ethernet")
struct EthernetTests {
    @Test("captured ARP request: broadcast destination, ARP EtherType, payload after 14 bytes")
    func capturedARPRequest() throws {
        let frame = Captured.arpRequest
        try frame.withUnsafeBytes { raw in
            let view = try EthernetFrameView(checking: raw)
            #expect(view.destination == .broadcast)
            #expect(view.destination.isBroadcast)
            #expect(view.source == MACAddress(0xa2, 0x3c, 0x9a, 0xd3, 0x97, 0x85))
            #expect(view.etherType == EtherType.arp)
            #expect(view.etherType == 0x0806)
            #expect(Array(view.payload) == Array(frame[14...]))
            #expect(view.payload.count == 28)

            let repr = EthernetRepr.parse(view)
            #expect(repr == EthernetRepr(destination: .broadcast,
                                         source: MACAddress("a2:3c:9a:d3:97:85")!, etherType: EtherType.arp))
            #expect(repr.headerLength == 14)
        }
    }

    @Test("captured unicast IPv4 frames in both directions")
    func capturedIPv4Frames() throws {
        let wtA = MACAddress(0xa2, 0x3c, 0x9a, 0xd3, 0x97, 0x85)
        let wtB = MACAddress(0x3e, 0xfe, 0xe2, 0x79, 0x6f, 0x90)
        let cases: [([UInt8], MACAddress, MACAddress)] = [
            (Captured.icmpEchoRequest, wtB, wtA),
            (Captured.icmpEchoReply, wtA, wtB),
            (Captured.tcpSYN, wtB, wtA),
            (Captured.tcpSYNACK, wtA, wtB),
        ]
        for (frame, destination, source) in cases {
            let repr = try frame.withUnsafeBytes { raw in EthernetRepr.parse(try EthernetFrameView(checking: raw)) }
            #expect(repr == EthernetRepr(destination: destination, source: source, etherType: EtherType.ipv4))
            #expect(!repr.destination.isMulticast)
        }
    }

    @Test("an inner frame carried by VXLAN is an Ethernet frame too")
    func capturedInnerFrame() throws {
        let inner = Array(Captured.vxlanEchoRequest[At.innerFrame...])
        let repr = try inner.withUnsafeBytes { raw in EthernetRepr.parse(try EthernetFrameView(checking: raw)) }
        #expect(repr.destination == MACAddress("62:66:bb:4a:5b:97")!)
        #expect(repr.source == MACAddress("16:f9:71:7a:20:4e")!)
        #expect(repr.etherType == EtherType.ipv4)
    }

    @Test("emitting the parsed header gives back the captured bytes", arguments: [
        Captured.arpRequest, Captured.arpReply, Captured.icmpEchoRequest, Captured.udpDatagram,
        Captured.tcpSACK, Captured.vxlanARPRequest,
    ])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let repr = try frame.withUnsafeBytes { raw in EthernetRepr.parse(try EthernetFrameView(checking: raw)) }
        // A larger buffer, so a write past the header would show.
        var out = [UInt8](repeating: 0xee, count: 20)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<14]) == hex(frame[..<14]))
        #expect(out[14...].allSatisfy { $0 == 0xee })
    }

    @Test("a header with nothing after it has an empty payload")
    func headerOnly() throws {
        let frame = Array(Captured.arpRequest[..<14])
        let count = try frame.withUnsafeBytes { raw in try EthernetFrameView(checking: raw).payload.count }
        #expect(count == 0)
    }

    @Test("every buffer shorter than 14 bytes is truncated")
    func truncated() {
        expectEveryShortPrefixTruncated(Captured.icmpEchoRequest, layer: "Ethernet", needed: 14) { raw throws(WireError) in
            try EthernetFrameView(checking: raw)
        }
    }

    @Test("EtherType values")
    func etherTypes() {
        #expect(EtherType.ipv4 == 0x0800)
        #expect(EtherType.arp == 0x0806)
        #expect(EtherType.vlan == 0x8100)
    }
}
