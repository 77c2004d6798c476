import Testing
import Wire

@Suite("Wire errors")
struct WireErrorTests {
    @Test("descriptions say the layer and what happened")
    func descriptions() {
        #expect(WireError.truncated(layer: "IPv4", needed: 84, available: 60).description
                == "IPv4: truncated (needs 84 bytes, 60 available)")
        #expect(WireError.malformed(layer: "TCP", reason: "port 0").description == "TCP: malformed (port 0)")
        #expect(WireError.badChecksum(layer: "ICMPv4").description == "ICMPv4: bad checksum")
    }

    @Test("errors compare by case and by every associated value")
    func equality() {
        #expect(WireError.truncated(layer: "UDP", needed: 8, available: 3) == .truncated(layer: "UDP", needed: 8, available: 3))
        #expect(WireError.truncated(layer: "UDP", needed: 8, available: 3) != .truncated(layer: "UDP", needed: 8, available: 4))
        #expect(WireError.truncated(layer: "UDP", needed: 8, available: 3) != .truncated(layer: "TCP", needed: 8, available: 3))
        #expect(WireError.malformed(layer: "ARP", reason: "a") != .malformed(layer: "ARP", reason: "b"))
        #expect(WireError.badChecksum(layer: "IPv4") != .malformed(layer: "IPv4", reason: "bad checksum"))
    }

    // MARK: - No input traps

    /// Every parser and Repr the loops below drive, with the layer its errors must name.
    enum Parser: Int, CaseIterable {
        case ethernet, arp, arpRepr, ipv4, ipv4Repr, ipv4ReprUnverified, icmp, icmpRepr, icmpReprUnverified
        case udp, tcp, tcpRepr, tcpOptions, vxlan

        var layer: String {
            switch self {
            case .ethernet: "Ethernet"
            case .arp, .arpRepr: "ARP"
            case .ipv4, .ipv4Repr, .ipv4ReprUnverified: "IPv4"
            case .icmp, .icmpRepr, .icmpReprUnverified: "ICMPv4"
            case .udp: "UDP"
            case .tcp, .tcpRepr, .tcpOptions: "TCP"
            case .vxlan: "VXLAN"
            }
        }
    }

    /// How often each parser accepted and refused, and any broken invariant.
    struct Tally {
        var accepted = [Int](repeating: 0, count: Parser.allCases.count)
        var refused = [Int](repeating: 0, count: Parser.allCases.count)
        var problems: [String] = []

        mutating func run<T>(_ parser: Parser, _ parse: () throws(WireError) -> T) -> T? {
            do throws(WireError) {
                let value = try parse()
                accepted[parser.rawValue] += 1
                return value
            } catch {
                refused[parser.rawValue] += 1
                switch error {
                case let .truncated(layer, needed, available):
                    check(layer == parser.layer, "\(parser) threw \(error)")
                    check(needed > available, "\(error) claims a shortfall that is not one")
                case let .malformed(layer, _), let .badChecksum(layer):
                    check(layer == parser.layer, "\(parser) threw \(error)")
                }
                return nil
            }
        }

        mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) {
            if !condition && problems.count < 20 { problems.append(message()) }
        }

        /// Parsers that never accepted, or never refused, anything.
        func oneSided(_ parsers: [Parser]) -> [String] {
            parsers.compactMap { parser in
                if accepted[parser.rawValue] == 0 { return "\(parser) never accepted" }
                if refused[parser.rawValue] == 0 { return "\(parser) never refused" }
                return nil
            }
        }
    }

    static func exercise(_ raw: UnsafeRawBufferPointer, _ tally: inout Tally, depth: Int = 0) {
        if let view = tally.run(.ethernet, { () throws(WireError) in try EthernetFrameView(checking: raw) }) {
            let repr = EthernetRepr.parse(view)
            tally.check(view.payload.count == raw.count - 14, "Ethernet payload length")
            _ = (repr.destination.isBroadcast, repr.source.isMulticast)
            if depth == 0 {
                // The frame's payload goes through every parser too.
                exercise(view.payload, &tally, depth: 1)
            }
        }
        if let view = tally.run(.arp, { () throws(WireError) in try ARPPacketView(checking: raw) }) {
            _ = tally.run(.arpRepr, { () throws(WireError) in try ARPRepr.parse(view) })
        }
        if let view = tally.run(.ipv4, { () throws(WireError) in try IPv4PacketView(checking: raw) }) {
            tally.check(view.bytes.count == view.totalLength && view.totalLength <= raw.count, "IPv4 total length")
            tally.check(view.headerLength >= 20 && view.headerLength <= view.totalLength, "IPv4 header length")
            tally.check(view.header.count + view.payload.count == view.totalLength, "IPv4 header + payload")
            _ = (view.dscpEcn, view.identification, view.dontFragment, view.isFragment, view.timeToLive,
                 view.protocolNumber, view.headerChecksum, view.source, view.destination, view.headerChecksumIsValid)
            _ = tally.run(.ipv4Repr, { () throws(WireError) in try IPv4Repr.parse(view) })
            if let repr = tally.run(.ipv4ReprUnverified, { () throws(WireError) in try IPv4Repr.parse(view, verifyChecksum: false) }) {
                tally.check(repr.payloadLength == view.payload.count, "IPv4 repr payload length")
            }
        }
        if let view = tally.run(.icmp, { () throws(WireError) in try ICMPv4MessageView(checking: raw) }) {
            _ = (view.type, view.code, view.checksum, view.identifier, view.sequenceNumber, view.body.count, view.checksumIsValid)
            _ = tally.run(.icmpRepr, { () throws(WireError) in try ICMPv4Repr.parse(view) })
            if let repr = tally.run(.icmpReprUnverified, { () throws(WireError) in try ICMPv4Repr.parse(view, verifyChecksum: false) }) {
                tally.check(repr.length == raw.count, "ICMPv4 repr length")
            }
        }
        if let view = tally.run(.udp, { () throws(WireError) in try UDPDatagramView(checking: raw) }) {
            tally.check(view.bytes.count == view.length && view.length <= raw.count, "UDP length")
            tally.check(view.payload.count == view.length - 8, "UDP payload length")
            _ = (view.sourcePort, view.destinationPort, view.checksum,
                 view.checksumIsValid(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2)))
            tally.check(UDPRepr.parse(view).length == view.length, "UDP repr length")
        }
        if let view = tally.run(.tcp, { () throws(WireError) in try TCPSegmentView(checking: raw) }) {
            tally.check((20...60).contains(view.headerLength) && view.headerLength <= raw.count, "TCP header length")
            tally.check(view.optionBytes.count == view.headerLength - 20, "TCP option length")
            tally.check(view.payload.count == raw.count - view.headerLength, "TCP payload length")
            _ = (view.sequenceNumber, view.acknowledgmentNumber, view.flags, view.window, view.checksum,
                 view.urgentPointer, view.checksumIsValid(source: IPv4Address(10, 0, 0, 1), destination: IPv4Address(10, 0, 0, 2)))
            _ = tally.run(.tcpRepr, { () throws(WireError) in try TCPHeaderRepr.parse(view) })
        }
        let optionBytes = UnsafeRawBufferPointer(rebasing: raw.prefix(40))
        _ = tally.run(.tcpOptions, { () throws(WireError) in try TCPOptions.parse(optionBytes) })
        if let view = tally.run(.vxlan, { () throws(WireError) in try VXLANHeaderView(checking: raw) }) {
            tally.check(view.vni < 1 << 24, "VNI width")
            tally.check(view.frame.count == raw.count - 8, "VXLAN frame length")
            tally.check(VXLANRepr.parse(view).vni == view.vni, "VXLAN repr")
        }
    }

    @Test("200,000 random buffers of 0...100 bytes: every parser answers, none traps")
    func randomBytes() {
        var rng = SplitMix64(seed: 0x6e69_6362_6564)   // "nicbed"
        var tally = Tally()
        var buffer = [UInt8](repeating: 0, count: 100)
        for _ in 0..<200_000 {
            let length = Int(rng.next() % 101)
            var word = 0 as UInt64
            for index in 0..<length {
                if index % 8 == 0 { word = rng.next() }
                buffer[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            }
            buffer.withUnsafeBytes { raw in Self.exercise(UnsafeRawBufferPointer(rebasing: raw[..<length]), &tally, depth: 1) }
        }
        #expect(tally.problems == [])
        // Random bytes reach both outcomes of the parsers that check little.
        #expect(tally.oneSided([.ethernet, .icmp, .icmpReprUnverified, .udp, .tcp, .tcpRepr, .tcpOptions, .vxlan]) == [])
    }

    @Test("10,000 damaged copies of the captured frames: every parser answers, none traps")
    func damagedCaptures() {
        let frames = [
            Captured.arpRequest, Captured.arpReply, Captured.icmpEchoRequest, Captured.icmpEchoReply,
            Captured.udpDatagram, Captured.udpToClosedPort, Captured.icmpPortUnreachable, Captured.tcpSYN,
            Captured.tcpSYNACK, Captured.tcpACK, Captured.tcpRequest, Captured.tcpResponseBody, Captured.tcpFIN,
            Captured.tcpSACK, Captured.vxlanARPRequest, Captured.vxlanEchoRequest, Captured.icmpTimeExceeded,
        ]
        var rng = SplitMix64(seed: 0x6461_6d61_6765)
        var tally = Tally()
        for _ in 0..<10_000 {
            var frame = frames[Int(rng.next() % UInt64(frames.count))]
            // Damage 1...4 bytes, mostly in the headers, then maybe cut the frame short.
            for _ in 0..<(1 + rng.next() % 4) {
                let index = Int(rng.next() % UInt64(min(frame.count, 80)))
                frame[index] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 { frame.removeLast(Int(rng.next() % UInt64(frame.count + 1))) }
            // Each layer of the frame is given to every parser.
            frame.withUnsafeBytes { raw in
                for start in [0, At.ipv4, At.transport, At.transport + 8, At.innerFrame, At.innerFrame + 14, At.innerFrame + 34]
                where start <= raw.count {
                    Self.exercise(UnsafeRawBufferPointer(rebasing: raw[start...]), &tally, depth: 1)
                }
            }
        }
        #expect(tally.problems == [])
        // Damage near valid headers reaches both outcomes of every parser and Repr, but one: an
        // IPv4 header whose view checked out always parses when its checksum is not verified
        // (fragments parse too; reassembly is the stack's).
        #expect(tally.oneSided(Parser.allCases.filter { $0 != .ipv4ReprUnverified }) == [])
    }
}
