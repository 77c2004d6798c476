import Testing
import Wire

@Suite("IPv4")
struct IPv4Tests {
    static func packet(_ frame: [UInt8]) -> [UInt8] { Array(frame[At.ipv4...]) }

    static func repr(_ packet: [UInt8]) throws -> IPv4Repr {
        try packet.withUnsafeBytes { raw in try IPv4Repr.parse(try IPv4PacketView(checking: raw)) }
    }

    @Test("captured echo request: every header field")
    func capturedEchoRequest() throws {
        let packet = Self.packet(Captured.icmpEchoRequest)
        try packet.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(view.headerLength == 20)
            #expect(view.dscpEcn == 0)
            #expect(view.totalLength == 84)
            #expect(view.identification == 0xbee5)
            #expect(view.dontFragment)
            #expect(!view.moreFragments)
            #expect(view.fragmentOffset == 0)
            #expect(!view.isFragment)
            #expect(view.timeToLive == 64)
            #expect(view.protocolNumber == IPProtocol.icmp)
            #expect(view.headerChecksum == 0x66fb)
            #expect(view.headerChecksumIsValid)
            #expect(view.source == IPv4Address(10, 99, 0, 1))
            #expect(view.destination == IPv4Address(10, 99, 0, 2))
            #expect(Array(view.header) == Array(packet[..<20]))
            #expect(Array(view.payload) == Array(packet[20...]))
            #expect(view.payload.count == 64)
        }
        #expect(try Self.repr(packet) == IPv4Repr(
            source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2), protocolNumber: 1,
            payloadLength: 64, timeToLive: 64, identification: 0xbee5, dontFragment: true, dscpEcn: 0))
    }

    @Test("a header-only view (header split): Total Length is checked against where the packet lies")
    func headerOnlyView() throws {
        let packet = Self.packet(Captured.icmpEchoRequest)
        try packet.withUnsafeBytes { raw in
            // Only the first 24 bytes are in host memory; the 84-byte packet lies on the card.
            let head = UnsafeRawBufferPointer(rebasing: raw[..<24])
            let view = try IPv4PacketView(checkingHeader: head, packetLength: 84)
            #expect(view.headerLength == 20 && view.totalLength == 84)
            #expect(view.payload.isEmpty)
            #expect(view.headerChecksumIsValid)
            #expect(throws: WireError.truncated(layer: "IPv4", needed: 84, available: 83)) {
                try IPv4PacketView(checkingHeader: head, packetLength: 83)
            }
            #expect(throws: WireError.truncated(layer: "IPv4", needed: 20, available: 19)) {
                try IPv4PacketView(checkingHeader: UnsafeRawBufferPointer(rebasing: raw[..<19]), packetLength: 84)
            }
        }
    }

    @Test("captured echo reply: Linux clears DF on echo replies")
    func capturedEchoReply() throws {
        let repr = try Self.repr(Self.packet(Captured.icmpEchoReply))
        #expect(repr == IPv4Repr(source: IPv4Address(10, 99, 0, 2), destination: IPv4Address(10, 99, 0, 1),
                                 protocolNumber: IPProtocol.icmp, payloadLength: 64, timeToLive: 64,
                                 identification: 0x1a79, dontFragment: false, dscpEcn: 0))
    }

    @Test("captured ICMP errors carry TOS 0xc0 (internetwork control) and no DF")
    func capturedICMPErrorHeaders() throws {
        let unreachable = try Self.repr(Self.packet(Captured.icmpPortUnreachable))
        #expect(unreachable == IPv4Repr(source: IPv4Address(10, 99, 0, 2), destination: IPv4Address(10, 99, 0, 1),
                                        protocolNumber: 1, payloadLength: 49, timeToLive: 64,
                                        identification: 0x1a7e, dontFragment: false, dscpEcn: 0xc0))
        let exceeded = try Self.repr(Self.packet(Captured.icmpTimeExceeded))
        #expect(exceeded == IPv4Repr(source: IPv4Address(10, 99, 0, 2), destination: IPv4Address(10, 99, 0, 1),
                                     protocolNumber: 1, payloadLength: 92, timeToLive: 64,
                                     identification: 0x1ade, dontFragment: false, dscpEcn: 0xc0))
    }

    @Test("captured UDP, TCP and VXLAN underlay headers")
    func capturedTransportHeaders() throws {
        let udp = try Self.repr(Self.packet(Captured.udpDatagram))
        #expect(udp == IPv4Repr(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2),
                                protocolNumber: IPProtocol.udp, payloadLength: 21, timeToLive: 64,
                                identification: 0x509c, dontFragment: true))
        let syn = try Self.repr(Self.packet(Captured.tcpSYN))
        #expect(syn == IPv4Repr(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2),
                                protocolNumber: IPProtocol.tcp, payloadLength: 40, timeToLive: 64,
                                identification: 0x56e5, dontFragment: true))
        // Linux sends the SYN-ACK with IP ID 0 (DF set, so the ID does not matter).
        let synAck = try Self.repr(Self.packet(Captured.tcpSYNACK))
        #expect(synAck.identification == 0)
        #expect(synAck.dontFragment)
        let sack = try Self.repr(Self.packet(Captured.tcpSACK))
        #expect(sack.destination == IPv4Address(10, 99, 0, 3))
        #expect(sack.payloadLength == 44)
        let vxlan = try Self.repr(Self.packet(Captured.vxlanEchoRequest))
        #expect(vxlan == IPv4Repr(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2),
                                  protocolNumber: IPProtocol.udp, payloadLength: 114, timeToLive: 64,
                                  identification: 0x510f, dontFragment: false))
        // The packet that expired: TTL 1 towards 10.97.0.2, quoted by the router.
        let expired = Array(Captured.icmpTimeExceeded[(At.transport + 8)...])
        let quoted = try Self.repr(expired)
        #expect(quoted.timeToLive == 1)
        #expect(quoted.destination == IPv4Address(10, 97, 0, 2))
        #expect(quoted.identification == 0x61ca)
    }

    @Test("emitting the parsed header gives back the captured header, checksum included", arguments: [
        Captured.icmpEchoRequest, Captured.icmpEchoReply, Captured.udpDatagram, Captured.icmpPortUnreachable,
        Captured.tcpSYN, Captured.tcpSYNACK, Captured.tcpRequest, Captured.tcpSACK, Captured.vxlanARPRequest,
        Captured.vxlanEchoRequest, Captured.icmpTimeExceeded,
        Array(Captured.vxlanEchoRequest[(At.innerFrame + 14)...]).padded(front: 14),
    ])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let packet = Self.packet(frame)
        let repr = try Self.repr(packet)
        #expect(repr.headerLength == 20)
        #expect(repr.totalLength == packet.count)
        var out = [UInt8](repeating: 0xee, count: repr.totalLength)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<20]) == hex(packet[..<20]))
        #expect(out[20...].allSatisfy { $0 == 0xee })
    }

    @Test("bytes after Total Length (Ethernet padding of a short frame) are not part of the packet")
    func ethernetPaddingIsCut() throws {
        // The captured UDP frame is 55 bytes; on a real wire it would be padded to 60.
        let padded = Self.packet(Captured.udpDatagram) + [0, 0, 0, 0, 0]
        try padded.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(view.bytes.count == 41)
            #expect(view.payload.count == 21)
            #expect(Array(view.payload) == Array(padded[20..<41]))
        }
    }

    @Test("options are skipped: the payload starts after IHL*4 bytes; the emitter writes none")
    func optionsAreSkipped() throws {
        var packet = Self.packet(Captured.udpDatagram)
        packet.insert(contentsOf: [0x01, 0x01, 0x01, 0x00], at: 20)   // NOP, NOP, NOP, end of list
        packet[0] = 0x46
        packet[3] += 4
        fixIPv4HeaderChecksum(&packet)
        try packet.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(view.headerLength == 24)
            #expect(view.headerChecksumIsValid)
            #expect(Array(view.payload) == Array(Self.packet(Captured.udpDatagram)[20...]))
            let repr = try IPv4Repr.parse(view)
            #expect(repr.payloadLength == 21)
            #expect(repr.headerLength == 20)
        }
    }

    @Test("every buffer shorter than 20 bytes is truncated")
    func truncatedHeader() {
        expectEveryShortPrefixTruncated(Self.packet(Captured.tcpSYN), layer: "IPv4", needed: 20) { raw throws(WireError) in
            try IPv4PacketView(checking: raw)
        }
    }

    @Test("a Total Length past the buffer is truncated, at every length short of it")
    func truncatedPacket() {
        let packet = Self.packet(Captured.icmpEchoRequest)
        for length in 20..<84 {
            let error = parseError(Array(packet.prefix(length))) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
            #expect(error == .truncated(layer: "IPv4", needed: 84, available: length))
        }
    }

    @Test("versions other than 4 are refused", arguments: [0, 1, 5, 6, 15] as [UInt8])
    func wrongVersion(version: UInt8) {
        var packet = Self.packet(Captured.udpDatagram)
        packet[0] = version << 4 | 5
        let error = parseError(packet) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
        #expect(error == .malformed(layer: "IPv4", reason: "version \(version)"))
    }

    @Test("an IHL below 5 is refused", arguments: [0, 1, 4] as [UInt8])
    func shortIHL(ihl: UInt8) {
        var packet = Self.packet(Captured.udpDatagram)
        packet[0] = 0x40 | ihl
        let error = parseError(packet) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
        #expect(error == .malformed(layer: "IPv4", reason: "header length \(Int(ihl) * 4) below 20"))
    }

    @Test("a Total Length below IHL*4 is refused")
    func totalBelowHeader() {
        var packet = Self.packet(Captured.udpDatagram)
        for total in [0, 19] {
            packet[2] = 0
            packet[3] = UInt8(total)
            let error = parseError(packet) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
            #expect(error == .malformed(layer: "IPv4", reason: "total length \(total) below header length 20"))
        }
        // IHL 15 (60 bytes) with a total of 41.
        packet = Self.packet(Captured.udpDatagram)
        packet[0] = 0x4f
        let error = parseError(packet) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
        #expect(error == .malformed(layer: "IPv4", reason: "total length 41 below header length 60"))
    }

    @Test("an IHL past the buffer is truncated through Total Length")
    func headerPastBuffer() {
        var packet = Array(Self.packet(Captured.udpDatagram)[..<24])
        packet[0] = 0x4f
        packet[2] = 0
        packet[3] = 60
        let error = parseError(packet) { raw throws(WireError) in try IPv4PacketView(checking: raw) }
        #expect(error == .truncated(layer: "IPv4", needed: 60, available: 24))
    }

    @Test("a wrong header checksum is badChecksum unless verification is off")
    func badChecksum() throws {
        var packet = Self.packet(Captured.icmpEchoRequest)
        packet[8] = 63   // TTL changed, checksum not updated
        let error = parseError(packet) { raw throws(WireError) in try IPv4Repr.parse(try IPv4PacketView(checking: raw)) }
        #expect(error == .badChecksum(layer: "IPv4"))
        let repr = try packet.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(!view.headerChecksumIsValid)
            return try IPv4Repr.parse(view, verifyChecksum: false)
        }
        #expect(repr.timeToLive == 63)
        // A flipped bit in the checksum itself is caught too.
        packet = Self.packet(Captured.icmpEchoRequest)
        packet[11] ^= 0x01
        #expect(parseError(packet) { raw throws(WireError) in try IPv4Repr.parse(try IPv4PacketView(checking: raw)) }
                == .badChecksum(layer: "IPv4"))
    }

    @Test("fragments parse with their flags and offset, and emit the same bits", arguments: [
        (UInt8(0x20), UInt8(0x00)),  // first fragment: MF, offset 0
        (0x00, 0x01),                // last fragment: offset 8 bytes
        (0x20, 0xb9),                // middle fragment: MF, offset 185*8
        (0x5f, 0xff),                // DF with the largest offset (nonsense, still a fragment)
    ] as [(UInt8, UInt8)])
    func fragments(high: UInt8, low: UInt8) throws {
        var packet = Self.packet(Captured.udpDatagram)
        packet[6] = high
        packet[7] = low
        fixIPv4HeaderChecksum(&packet)
        try packet.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(view.isFragment)
            #expect(view.moreFragments == (high & 0x20 != 0))
            #expect(view.fragmentOffset == (Int(high & 0x1f) << 8 | Int(low)) * 8)
        }
        let repr = try packet.withUnsafeBytes { raw in try IPv4Repr.parse(try IPv4PacketView(checking: raw)) }
        #expect(repr.isFragment)
        #expect(repr.moreFragments == (high & 0x20 != 0))
        #expect(repr.dontFragment == (high & 0x40 != 0))
        #expect(repr.fragmentOffset == (Int(high & 0x1f) << 8 | Int(low)) * 8)
        // Emitted again, the flags and offset are the same bits.
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(out[6] == high && out[7] == low)
    }

    @Test("Repr defaults: TTL 64, DF, ID 0, DSCP 0; header 20 bytes")
    func reprDefaults() {
        let repr = IPv4Repr(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2),
                            protocolNumber: IPProtocol.udp, payloadLength: 100)
        #expect(repr.timeToLive == 64)
        #expect(repr.dontFragment)
        #expect(repr.identification == 0)
        #expect(repr.dscpEcn == 0)
        #expect(repr.totalLength == 120)
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<10]) == "45000078000040004011")
        #expect(out.withUnsafeBytes { InternetChecksum.of($0) } == 0)
    }

    @Test("protocol numbers")
    func protocolNumbers() {
        #expect(IPProtocol.icmp == 1)
        #expect(IPProtocol.tcp == 6)
        #expect(IPProtocol.udp == 17)
    }
}

extension Array where Element == UInt8 {
    /// The same bytes behind `count` zero bytes, so a bare packet can go where a frame is expected.
    func padded(front count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) + self }
}
