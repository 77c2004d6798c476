import Apps
import NetStack
import Simulation
import Testing
import SmartNIC
import Wire

@Suite("ARP, ICMP echo and the ping client")
struct PingTests {
    func collect(_ net: TwoHostNetwork, ping destination: IPv4Address, count: Int, from stack: NetworkStack? = nil) -> [PingEvent] {
        var events: [PingEvent] = []
        _ = PingSession(stack: stack ?? net.a, timers: net.timers, destination: destination, count: count,
                        interval: .seconds(1)) { events.append($0) }
        net.run(for: .seconds(Int64(count) + 10))
        return events
    }

    @Test func pingGetsEveryReplyWithTheLinkRoundTrip() throws {
        let net = TwoHostNetwork(delay: .milliseconds(5))
        let events = collect(net, ping: TwoHostNetwork.addressB, count: 3)
        let replies = events.compactMap { event -> (UInt16, UInt8, Int, Duration)? in
            if case let .reply(from, seq, ttl, bytes, rtt) = event, from == TwoHostNetwork.addressB { return (seq, ttl, bytes, rtt) }
            return nil
        }
        #expect(replies.map(\.0) == [1, 2, 3])
        #expect(replies.allSatisfy { $0.1 == 64 && $0.2 == 64 })
        // The first request waits for ARP (two extra crossings); the others cross twice.
        #expect(replies[0].3 == .milliseconds(20))
        #expect(replies[1].3 == .milliseconds(10))
        guard case let .finished(summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.transmitted == 3 && summary.received == 3 && summary.lossPercent == 0)
        #expect(summary.minimum == .milliseconds(10) && summary.maximum == .milliseconds(20))
        #expect(net.a.counters.arpRequestsSent == 1)
        #expect(net.b.counters.arpRepliesSent == 1)
        #expect(net.b.counters.icmpEchoRepliesSent == 3)
        // b learned a from the request addressed to it, so it never had to ask.
        #expect(net.b.counters.arpRequestsSent == 0)
    }

    @Test func framesOnTheWireArePaddedAndCarryValidChecksums() throws {
        let net = TwoHostNetwork()
        _ = collect(net, ping: TwoHostNetwork.addressB, count: 1)
        #expect(net.wire.count == 4) // ARP request, ARP reply, echo request, echo reply
        for (_, frame) in net.wire {
            #expect(frame.count >= 60)
            try frame.withUnsafeBytes { bytes in
                let ethernet = try EthernetFrameView(checking: bytes)
                guard ethernet.etherType == EtherType.ipv4 else { return }
                let ip = try IPv4PacketView(checking: ethernet.payload)
                #expect(ip.headerChecksumIsValid)
                #expect(try ICMPv4MessageView(checking: ip.payload).checksumIsValid)
            }
        }
    }

    @Test func unansweredARPReportsHostUnreachableAndDropsTheQueue() {
        let net = TwoHostNetwork()
        let absent = IPv4Address(10, 0, 0, 99)
        let events = collect(net, ping: absent, count: 2)
        let errors = events.compactMap { event -> String? in
            if case let .error(_, _, message) = event { return message }
            return nil
        }
        #expect(errors == ["Destination Host Unreachable", "Destination Host Unreachable"])
        #expect(net.a.counters.arpRequestsSent == 3)
        #expect(net.a.counters.droppedARPFailed == 2)
        guard case let .finished(summary) = events.last else { Issue.record("no summary"); return }
        #expect(summary.received == 0 && summary.errors == 2 && summary.lossPercent == 100)
    }

    @Test func offSubnetWithoutGatewayIsNetworkUnreachable() {
        let net = TwoHostNetwork()
        let events = collect(net, ping: IPv4Address(192, 0, 2, 1), count: 1)
        #expect(events.contains { if case .sendFailed(1, "Network is unreachable") = $0 { return true }; return false })
        #expect(net.a.counters.droppedNoRoute == 1)
        #expect(net.wire.isEmpty)
    }

    @Test func offSubnetGoesToTheGatewaysMAC() {
        let net = TwoHostNetwork()
        net.a.defaultGateway = TwoHostNetwork.addressB
        _ = PingSession(stack: net.a, timers: net.timers, destination: IPv4Address(192, 0, 2, 1), count: 1) { _ in }
        net.run(for: .seconds(3))
        // ARP asks for the gateway, then the echo request goes to the gateway's MAC.
        let echo = net.wire.first { frame in
            frame.bytes.count > 34 && frame.bytes[12] == 0x08 && frame.bytes[13] == 0x00
        }
        #expect(echo.map { frame in frame.bytes.withUnsafeBytes { MACAddress(reading: $0, at: 0) } } == net.macB)
        #expect(net.b.counters.droppedNotOurAddress == 1)
    }

    @Test func badIPChecksumIsDroppedAndCounted() {
        let net = TwoHostNetwork()
        _ = collect(net, ping: TwoHostNetwork.addressB, count: 1)
        var frame = net.wire.first { $0.from == "a" && $0.bytes[12] == 0x08 && $0.bytes[13] == 0 }!.bytes
        frame[14 + 10] ^= 0xff
        let repliesBefore = net.b.counters.icmpEchoRepliesSent
        net.inject(frame, into: net.portB)
        #expect(net.b.counters.droppedBadChecksum == 1)
        #expect(net.b.counters.icmpEchoRepliesSent == repliesBefore)
    }

    @Test func framesForAnotherMACAreIgnored() {
        let net = TwoHostNetwork()
        _ = collect(net, ping: TwoHostNetwork.addressB, count: 1)
        var frame = net.wire.first { $0.from == "a" && $0.bytes[12] == 0x08 }!.bytes
        frame[5] = 0x77
        net.inject(frame, into: net.portB)
        #expect(net.b.counters.droppedNotForUs == 1)
    }

    @Test func broadcastEchoIsNotAnswered() {
        let net = TwoHostNetwork()
        _ = collect(net, ping: TwoHostNetwork.addressB, count: 1)
        var frame = [UInt8](repeating: 0, count: 14 + 20 + 8)
        frame.withUnsafeMutableBytes { b in
            EthernetRepr(destination: .broadcast, source: net.macA, etherType: EtherType.ipv4).emit(into: b)
            let ip = UnsafeMutableRawBufferPointer(rebasing: b[14...])
            IPv4Repr(source: TwoHostNetwork.addressA, destination: IPv4Address(10, 0, 0, 255), protocolNumber: IPProtocol.icmp, payloadLength: 8).emit(into: ip)
            ICMPv4Repr.echoRequest(identifier: 9, sequenceNumber: 1, data: []).emit(into: UnsafeMutableRawBufferPointer(rebasing: ip[20...]))
        }
        let before = net.b.counters.icmpEchoRepliesSent
        net.inject(frame, into: net.portB)
        #expect(net.b.counters.icmpEchoRepliesSent == before)
    }

    @Test func garbageFramesNeverTrapTheStack() {
        let net = TwoHostNetwork()
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        for _ in 0..<20_000 {
            var frame = (0..<Int(next() % 120)).map { _ in UInt8(truncatingIfNeeded: next()) }
            if frame.count >= 14, next() % 2 == 0 {
                // Aim half of them at b with a plausible header so they reach ARP/IPv4/ICMP parsing.
                frame.withUnsafeMutableBytes { net.macB.write(to: $0, at: 0) }
                frame[12] = 0x08
                frame[13] = next() % 2 == 0 ? 0x00 : 0x06
                if frame.count > 14 { frame[14] = 0x45 }
            }
            net.inject(frame, into: net.portB)
        }
        let events = collect(net, ping: TwoHostNetwork.addressB, count: 1)
        #expect(events.contains { if case .reply = $0 { return true }; return false })
    }

    /// Two pings at once each get their own replies: the stack gives each echo socket its own
    /// identifier and hands a reply only to the socket it names; a closed socket gets nothing.
    @Test func concurrentPingsGetTheirOwnReplies() {
        let net = TwoHostNetwork()
        var first: [PingEvent] = [], second: [PingEvent] = []
        let one = PingSession(stack: net.a, timers: net.timers, destination: TwoHostNetwork.addressB, count: 3,
                              interval: .milliseconds(300)) { first.append($0) }
        let two = PingSession(stack: net.a, timers: net.timers, destination: TwoHostNetwork.addressB, count: 5,
                              interval: .milliseconds(200)) { second.append($0) }
        #expect(one.identifier != two.identifier)
        net.run(for: .seconds(10))
        func sequences(_ events: [PingEvent]) -> [UInt16] {
            events.compactMap { if case let .reply(_, sequence, _, _, _) = $0 { sequence } else { nil } }
        }
        #expect(sequences(first) == [1, 2, 3])
        #expect(sequences(second) == [1, 2, 3, 4, 5])
        #expect(net.b.counters.icmpEchoRepliesSent == 8)

        // A reply for a socket that has closed is dropped, not delivered to anyone.
        let socket = net.a.openEchoSocket(to: TwoHostNetwork.addressB)
        var late = 0
        socket.onReply = { _ in late += 1 }
        socket.send(sequence: 1, data: [1, 2, 3])
        socket.close()
        net.run(for: .seconds(1))
        #expect(late == 0)
        #expect(net.b.counters.icmpEchoRepliesSent == 9)
    }
}
