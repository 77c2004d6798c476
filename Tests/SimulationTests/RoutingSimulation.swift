import NetStack
import SmartNIC
import Apps
import Simulation
import Testing
import Wire

/// Routers and switches between stacks in one process under virtual time: forwarding with TTL
/// decrement, ICMP errors from the router, static routes, and a learning bridge.
@Suite("routing and switching in simulation")
struct RoutingSimulation {
    /// h1 (10.0.1.1) — r1 (10.0.1.254 | 10.0.2.254) — h2 (10.0.2.1), each host's gateway the router.
    struct Line3 {
        let net: SimulatedNetwork
        let h1: NetworkStack, r1: NetworkStack, h2: NetworkStack

        init(nic: NICConfiguration = .conventional, impairments: Impairments = Impairments(delay: .milliseconds(1))) {
            net = SimulatedNetwork(seed: 3)
            net.nic = nic
            h1 = net.addHost("h1")
            r1 = net.addHost("r1")
            h2 = net.addHost("h2")
            r1.isForwarding = true
            net.link(h1, IPv4Interface("10.0.1.1/24")!, r1, IPv4Interface("10.0.1.254/24")!, aToB: impairments, bToA: impairments)
            net.link(r1, IPv4Interface("10.0.2.254/24")!, h2, IPv4Interface("10.0.2.1/24")!, aToB: impairments, bToA: impairments)
            h1.defaultGateway = IPv4Address(10, 0, 1, 254)
            h2.defaultGateway = IPv4Address(10, 0, 2, 254)
        }

        /// A bulk transfer h1 → h2:80, `upload` bytes one way and `download` the other, each
        /// checked against its seeded pattern; the server end exists once h2 has accepted.
        final class Transfer {
            let client: BulkEndpoint
            var server: BulkEndpoint?
            init(client: BulkEndpoint) { self.client = client }
            var isClosed: Bool { client.isClosed && server?.isClosed == true }
        }

        func startTransfer(upload: Int, download: Int = 0, seed: UInt64) throws -> Transfer {
            let listener = try h2.listen(port: 80)
            let transfer = Transfer(client: BulkEndpoint(connection: try h1.connect(to: IPv4Address(10, 0, 2, 1), port: 80),
                                                         sendCount: upload, sendSeed: seed, receiveSeed: seed &+ 1))
            listener.onAcceptable = { [unowned transfer] in
                if let connection = listener.accept() {
                    transfer.server = BulkEndpoint(connection: connection, sendCount: download, sendSeed: seed &+ 1, receiveSeed: seed)
                }
            }
            return transfer
        }
    }

    /// Pings and returns what the session reported.
    static func ping(_ net: SimulatedNetwork, from stack: NetworkStack, to address: IPv4Address, count: Int = 3,
                     timeToLive: UInt8? = nil, timeout: Duration = .seconds(1)) -> [PingEvent] {
        var events: [PingEvent] = []
        var finished = false
        _ = PingSession(stack: stack, timers: net.timers, destination: address, count: count, interval: .milliseconds(200),
                        timeout: timeout, timeToLive: timeToLive) { event in
            events.append(event)
            if case .finished = event { finished = true }
        }
        net.run(for: .seconds(10), stopWhen: { finished })
        return events
    }

    static func replies(_ events: [PingEvent]) -> [(IPv4Address, UInt8)] {
        events.compactMap { if case let .reply(from, _, ttl, _, _) = $0 { (from, ttl) } else { nil } }
    }

    static func errors(_ events: [PingEvent]) -> [(IPv4Address, String)] {
        events.compactMap { if case let .error(from, _, message) = $0 { (from, message) } else { nil } }
    }

    @Test func aPingThroughARouterComesBackWithTheTTLDecremented() {
        let line = Line3()
        let events = Self.ping(line.net, from: line.h1, to: IPv4Address(10, 0, 2, 1))
        let replies = Self.replies(events)
        #expect(replies.count == 3)
        // h2 answers with TTL 64; the router takes one off on the way back.
        #expect(replies.allSatisfy { $0.0 == IPv4Address(10, 0, 2, 1) && $0.1 == 63 })
        #expect(line.r1.counters.forwarded == 6)
    }

    @Test func anUnknownNetworkIsReportedUnreachableByTheRouter() {
        let line = Line3()
        let events = Self.ping(line.net, from: line.h1, to: IPv4Address(10, 9, 9, 9), count: 2)
        let errors = Self.errors(events)
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.0 == IPv4Address(10, 0, 1, 254) && $0.1 == "Destination Net Unreachable" })
        #expect(line.r1.counters.icmpErrorsSent == 2 && line.r1.counters.forwarded == 0)
    }

    @Test func aTTLThatRunsOutAtTheRouterIsReportedAsTimeExceeded() {
        let line = Line3()
        let events = Self.ping(line.net, from: line.h1, to: IPv4Address(10, 0, 2, 1), count: 1, timeToLive: 1)
        let errors = Self.errors(events)
        #expect(errors.count == 1)
        #expect(errors.first?.0 == IPv4Address(10, 0, 1, 254))
        #expect(errors.first?.1 == "Time to live exceeded")
        #expect(line.r1.counters.droppedTimeToLive == 1)
        // With TTL 2 it gets through.
        #expect(Self.replies(Self.ping(line.net, from: line.h1, to: IPv4Address(10, 0, 2, 1), count: 1, timeToLive: 2)).count == 1)
    }

    @Test func aHostDoesNotForward() {
        let line = Line3()
        line.r1.isForwarding = false
        let events = Self.ping(line.net, from: line.h1, to: IPv4Address(10, 0, 2, 1), count: 1)
        #expect(Self.replies(events).isEmpty)
        #expect(line.r1.counters.droppedNotOurAddress == 1)
    }

    @Test("TCP through a router, byte for byte, on either NIC", arguments: NICMode.allCases)
    func tcpThroughARouter(mode: NICMode) throws {
        let line = Line3(nic: NICConfiguration(mode: mode), impairments: Impairments(delay: .milliseconds(2), loss: 0.01))
        let transfer = try line.startTransfer(upload: 1_000_000, download: 100_000, seed: 1)
        line.net.run(for: .seconds(120), stopWhen: { transfer.isClosed })
        #expect(transfer.server?.received == 1_000_000 && transfer.server?.mismatchAt == nil)
        #expect(transfer.client.received == 100_000 && transfer.client.mismatchAt == nil)
        #expect(line.r1.counters.forwarded > 700)
    }

    /// A connection walks the routing table once, not once per segment, and walks it again when
    /// the table changes: with the gateway moved to an address nobody holds the transfer stops,
    /// and with it moved back the transfer finishes.
    @Test func aConnectionLooksItsRouteUpOnceAndAgainWhenTheTableChanges() throws {
        let line = Line3()
        let transfer = try line.startTransfer(upload: 4_000_000, seed: 4)
        line.net.run(for: .seconds(60), stopWhen: { (transfer.server?.received ?? 0) >= 1_000_000 })
        let segments = line.h1.tcpCounters.segmentsOut
        #expect(segments > 500)
        #expect(line.h1.routeLookups == 1, "\(line.h1.routeLookups) lookups for \(segments) segments")

        line.h1.defaultGateway = IPv4Address(10, 0, 1, 99)
        line.net.run(for: .milliseconds(100))
        let stalledAt = transfer.server!.received
        line.net.run(for: .seconds(2))
        #expect(transfer.server!.received - stalledAt < 200_000, "segments still reached the old gateway")
        #expect(line.h1.routeLookups == 2)

        line.h1.defaultGateway = IPv4Address(10, 0, 1, 254)
        line.net.run(for: .seconds(120), stopWhen: { transfer.isClosed })
        #expect(transfer.server?.received == 4_000_000 && transfer.server?.mismatchAt == nil)
        #expect(line.h1.routeLookups == 3)
    }

    /// A router passes frames on with the checksums their sender computed: a segment damaged
    /// before the router stays damaged after it, and the receiver's card and stack drop it.
    @Test("a corrupted segment stays corrupted through a router", arguments: NICMode.allCases)
    func corruptionIsNotHiddenByTheRouter(mode: NICMode) throws {
        let line = Line3(nic: NICConfiguration(mode: mode, checksumOffload: true),
                         impairments: Impairments(delay: .milliseconds(2), corrupt: 0.03))
        let transfer = try line.startTransfer(upload: 1_000_000, seed: 7)
        line.net.run(for: .seconds(300), stopWhen: { transfer.isClosed })
        #expect(transfer.server?.received == 1_000_000)
        #expect(transfer.server?.mismatchAt == nil, "corrupted bytes were delivered")
        #expect(line.h2.counters.droppedBadChecksum > 0, "the damage must reach h2 and be caught there")
    }

    @Test func aForwardedPacketWhoseNextHopNeverAnswersARPIsReportedUnreachable() {
        let line = Line3()
        // ARP gives up after its retries (a few seconds): wait longer than that for the answer.
        let events = Self.ping(line.net, from: line.h1, to: IPv4Address(10, 0, 2, 99), count: 1, timeout: .seconds(8))
        let errors = Self.errors(events)
        #expect(errors.first?.0 == IPv4Address(10, 0, 1, 254))
        #expect(errors.first?.1 == "Destination Host Unreachable")
        #expect(line.r1.counters.forwarded == 0 && line.r1.counters.droppedARPFailed == 1)
    }

    @Test func staticRoutesCarryPacketsAcrossTwoRouters() {
        // h1 — r1 — r2 — h2: r1 reaches 10.0.3.0/24 through r2, r2 reaches 10.0.1.0/24 through r1.
        let net = SimulatedNetwork(seed: 5)
        let h1 = net.addHost("h1"), r1 = net.addHost("r1"), r2 = net.addHost("r2"), h2 = net.addHost("h2")
        r1.isForwarding = true
        r2.isForwarding = true
        net.link(h1, IPv4Interface("10.0.1.1/24")!, r1, IPv4Interface("10.0.1.254/24")!)
        net.link(r1, IPv4Interface("10.0.2.1/24")!, r2, IPv4Interface("10.0.2.2/24")!)
        net.link(r2, IPv4Interface("10.0.3.254/24")!, h2, IPv4Interface("10.0.3.1/24")!)
        h1.defaultGateway = IPv4Address(10, 0, 1, 254)
        h2.defaultGateway = IPv4Address(10, 0, 3, 254)
        let toward = Self.ping(net, from: h1, to: IPv4Address(10, 0, 3, 1), count: 1)
        #expect(Self.errors(toward).first?.1 == "Destination Net Unreachable", "r1 has no route to 10.0.3.0/24 yet")
        r1.addRoute(to: IPv4Interface("10.0.3.0/24")!, via: IPv4Address(10, 0, 2, 2))
        r2.addRoute(to: IPv4Interface("10.0.1.0/24")!, via: IPv4Address(10, 0, 2, 1))
        let replies = Self.replies(Self.ping(net, from: h1, to: IPv4Address(10, 0, 3, 1), count: 2))
        #expect(replies.count == 2)
        #expect(replies.allSatisfy { $0.1 == 62 })
        // A route whose next hop is on no connected subnet is never used.
        h1.addRoute(to: IPv4Interface("10.0.3.0/24")!, via: IPv4Address(192, 168, 0, 1))
        #expect(Self.replies(Self.ping(net, from: h1, to: IPv4Address(10, 0, 3, 1), count: 1)).count == 1)
    }

    @Test func aSwitchLearnsAndSendsUnicastToOnePortOnly() {
        let net = SimulatedNetwork(seed: 9)
        let s1 = net.addSwitch("s1")
        let hosts = (1...4).map { net.addHost("h\($0)") }
        for (index, host) in hosts.enumerated() { net.link(host, IPv4Interface("10.0.1.\(index + 1)/24")!, to: s1) }
        // Everyone pings everyone.
        for a in hosts {
            for (index, _) in hosts.enumerated() where hosts[index] !== a {
                #expect(Self.replies(Self.ping(net, from: a, to: IPv4Address(10, 0, 1, UInt8(index + 1)), count: 1)).count == 1)
            }
        }
        #expect(s1.learnedAddresses == 4)
        // Once learned, h1 → h2 goes to h2's port only: h3 and h4 receive nothing of it.
        let before = hosts.map(\.counters.framesIn)
        #expect(Self.replies(Self.ping(net, from: hosts[0], to: IPv4Address(10, 0, 1, 2), count: 5)).count == 5)
        let after = hosts.map(\.counters.framesIn)
        #expect(after[1] - before[1] == 5 && after[0] - before[0] == 5)
        #expect(after[2] == before[2] && after[3] == before[3])
        #expect(s1.counters.reduce(0) { $0 + $1.forwarded } >= 10)
        // Addresses not seen for the ageing time are forgotten; the next frame is flooded again.
        s1.ageing = .seconds(30)
        net.run(for: .seconds(31))
        #expect(s1.learnedAddresses == 0)
        let flooded = s1.counters.reduce(0) { $0 + $1.flooded }
        _ = Self.ping(net, from: hosts[0], to: IPv4Address(10, 0, 1, 2), count: 1)
        #expect(s1.counters.reduce(0) { $0 + $1.flooded } > flooded)
    }

    @Test func twoSwitchesInARowBridgeOneSegment() {
        let net = SimulatedNetwork(seed: 10)
        let s1 = net.addSwitch("s1"), s2 = net.addSwitch("s2")
        let h1 = net.addHost("h1"), h2 = net.addHost("h2")
        net.link(h1, IPv4Interface("10.0.1.1/24")!, to: s1)
        net.link(s1, to: s2)
        net.link(h2, IPv4Interface("10.0.1.2/24")!, to: s2)
        #expect(Self.replies(Self.ping(net, from: h1, to: IPv4Address(10, 0, 1, 2), count: 2)).count == 2)
        #expect(s1.port(of: MACAddress(2, 0, 0, 3, 0, 1)) == 1, "h2's MAC is behind s1's port toward s2")
    }
}
