import Testing
import Wire

@Suite("ARP")
struct ARPTests {
    static let wtA = MACAddress(0xa2, 0x3c, 0x9a, 0xd3, 0x97, 0x85)
    static let wtB = MACAddress(0x3e, 0xfe, 0xe2, 0x79, 0x6f, 0x90)

    static func packet(_ frame: [UInt8]) -> [UInt8] { Array(frame[14...]) }

    @Test("captured request: who has 10.99.0.2? tell 10.99.0.1")
    func capturedRequest() throws {
        let packet = Self.packet(Captured.arpRequest)
        try packet.withUnsafeBytes { raw in
            let view = try ARPPacketView(checking: raw)
            #expect(view.operation == 1)
            #expect(view.senderHardware == Self.wtA)
            #expect(view.senderProtocol == IPv4Address(10, 99, 0, 1))
            #expect(view.targetHardware == .zero)
            #expect(view.targetProtocol == IPv4Address(10, 99, 0, 2))
            let repr = try ARPRepr.parse(view)
            #expect(repr == ARPRepr(operation: .request, senderHardware: Self.wtA, senderProtocol: IPv4Address("10.99.0.1")!,
                                    targetHardware: .zero, targetProtocol: IPv4Address("10.99.0.2")!))
            #expect(repr.length == 28)
        }
    }

    @Test("captured reply: 10.99.0.2 is at 3e:fe:e2:79:6f:90")
    func capturedReply() throws {
        let packet = Self.packet(Captured.arpReply)
        let repr = try packet.withUnsafeBytes { raw in try ARPRepr.parse(try ARPPacketView(checking: raw)) }
        #expect(repr.operation == .reply)
        #expect(repr.senderHardware == Self.wtB)
        #expect(repr.senderProtocol == IPv4Address(10, 99, 0, 2))
        #expect(repr.targetHardware == Self.wtA)
        #expect(repr.targetProtocol == IPv4Address(10, 99, 0, 1))
    }

    @Test("captured request inside a VXLAN datagram, sent by the overlay device")
    func capturedOverlayRequest() throws {
        let packet = Array(Captured.vxlanARPRequest[(At.innerFrame + 14)...])
        let repr = try packet.withUnsafeBytes { raw in try ARPRepr.parse(try ARPPacketView(checking: raw)) }
        #expect(repr == ARPRepr(operation: .request, senderHardware: MACAddress("16:f9:71:7a:20:4e")!,
                                senderProtocol: IPv4Address(10, 98, 0, 1), targetHardware: .zero,
                                targetProtocol: IPv4Address(10, 98, 0, 2)))
    }

    @Test("emitting the parsed packet gives back the captured bytes",
          arguments: [Captured.arpRequest, Captured.arpReply, Array(Captured.vxlanARPRequest[At.innerFrame...])])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let packet = Self.packet(frame)
        let repr = try packet.withUnsafeBytes { raw in try ARPRepr.parse(try ARPPacketView(checking: raw)) }
        var out = [UInt8](repeating: 0xee, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out) == hex(packet))
    }

    @Test("every buffer shorter than 28 bytes is truncated")
    func truncated() {
        expectEveryShortPrefixTruncated(Self.packet(Captured.arpReply), layer: "ARP", needed: 28) { raw throws(WireError) in
            try ARPPacketView(checking: raw)
        }
    }

    @Test("hardware and protocol types other than Ethernet/IPv4 are refused", arguments: [
        (1, UInt8(0x06)),              // htype 6 (IEEE 802)
        (0, 0x01),                     // htype 0x0101
        (2, 0x86), (3, 0xdd),          // ptype 0x86dd
        (4, 0x08),                     // hlen 8
        (5, 0x10),                     // plen 16
    ] as [(Int, UInt8)])
    func foreignTypes(offset: Int, value: UInt8) {
        var packet = Self.packet(Captured.arpRequest)
        packet[offset] = value
        guard case let .malformed(layer, reason)? = parseError(packet, { raw throws(WireError) in try ARPPacketView(checking: raw) }) else {
            Issue.record("byte \(offset) = \(value) was accepted")
            return
        }
        #expect(layer == "ARP")
        #expect(reason.hasPrefix("not Ethernet/IPv4"))
    }

    @Test("operations other than request and reply are refused by the Repr", arguments: [0, 3, 4, 0x0100, 0xffff] as [UInt16])
    func unknownOperation(operation: UInt16) {
        var packet = Self.packet(Captured.arpRequest)
        packet[6] = UInt8(operation >> 8)
        packet[7] = UInt8(operation & 0xff)
        // The view still reads it: only the Repr refuses.
        let seen = packet.withUnsafeBytes { raw in try? ARPPacketView(checking: raw).operation }
        #expect(seen == operation)
        let error = parseError(packet) { raw throws(WireError) in try ARPRepr.parse(try ARPPacketView(checking: raw)) }
        #expect(error == .malformed(layer: "ARP", reason: "unknown operation \(operation)"))
    }

    @Test("operation raw values follow RFC 826")
    func operationValues() {
        #expect(ARPRepr.Operation.request.rawValue == 1)
        #expect(ARPRepr.Operation.reply.rawValue == 2)
        #expect(ARPRepr.Operation(rawValue: 3) == nil)
    }
}
