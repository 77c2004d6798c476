import Apps
@testable import NetStack
import Simulation
import SmartNIC
import Testing
import Wire

/// The pieces of a complete IPv4 host under virtual time: fragments both ways, a router that
/// fragments or answers "fragmentation needed" with the next hop's MTU, path MTU discovery in
/// TCP, UDP sockets, ICMP errors handed to the socket they concern, and the rate limits.
@Suite("a complete IPv4 host in simulation")
struct IPv4HostSimulation {
    /// h1 —(mtu1)— r1 —(mtu2)— r2 —(mtu3)— h2, 1 ms each way per link.
    struct Path {
        let net: SimulatedNetwork
        let h1: NetworkStack, r1: NetworkStack, r2: NetworkStack, h2: NetworkStack
        static let h2Address = IPv4Address(10, 0, 3, 1)

        init(mtus: (Int, Int, Int), nic: NICConfiguration = .conventional, seed: UInt64 = 21,
             impairments: Impairments = Impairments(delay: .milliseconds(1))) {
            net = SimulatedNetwork(seed: seed)
            net.nic = nic
            h1 = net.addHost("h1"); r1 = net.addHost("r1"); r2 = net.addHost("r2"); h2 = net.addHost("h2")
            r1.isForwarding = true
            r2.isForwarding = true
            net.link(h1, IPv4Interface("10.0.1.1/24")!, r1, IPv4Interface("10.0.1.254/24")!, aToB: impairments, bToA: impairments, mtu: mtus.0)
            net.link(r1, IPv4Interface("10.0.2.1/24")!, r2, IPv4Interface("10.0.2.2/24")!, aToB: impairments, bToA: impairments, mtu: mtus.1)
            net.link(r2, IPv4Interface("10.0.3.254/24")!, h2, IPv4Interface("10.0.3.1/24")!, aToB: impairments, bToA: impairments, mtu: mtus.2)
            h1.defaultGateway = IPv4Address(10, 0, 1, 254)
            r1.defaultGateway = IPv4Address(10, 0, 2, 2)
            r2.defaultGateway = IPv4Address(10, 0, 2, 1)
            h2.defaultGateway = IPv4Address(10, 0, 3, 254)
        }
    }

    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// Sends `datagrams` from h1 and returns what h2's socket on port 9000 read, in order.
    static func udp(_ path: Path, _ datagrams: [[UInt8]], dontFragment: Bool, runFor: Duration = .seconds(1)) throws
        -> (received: [[UInt8]], errors: [UDPSocket.Failure]) {
        let receiver = try path.h2.bindUDP(port: 9000)
        let sender = try path.h1.bindUDP()
        sender.dontFragment = dontFragment
        var received: [[UInt8]] = []
        var errors: [UDPSocket.Failure] = []
        receiver.onReadable = {
            var buffer = [UInt8](repeating: 0, count: 65_535)
            while let got = buffer.withUnsafeMutableBytes({ receiver.receive(into: $0) }) { received.append(Array(buffer[..<got.length])) }
        }
        sender.onError = { errors.append($0) }
        for datagram in datagrams {
            try sender.send(datagram, to: Path.h2Address, port: 9000)
            path.net.run(for: .milliseconds(50))
        }
        path.net.run(for: runFor)
        receiver.close()
        sender.close()
        return (received, errors)
    }

    @Test("a 4,000-byte ping leaves in fragments and its answer comes back reassembled", arguments: NICMode.allCases)
    func largePing(mode: NICMode) {
        let path = Path(mtus: (1500, 1500, 1500), nic: NICConfiguration(mode: mode, checksumOffload: true))
        var replies: [Int] = []
        var finished = false
        _ = PingSession(stack: path.h1, timers: path.net.timers, destination: Path.h2Address, count: 3,
                        interval: .milliseconds(100), timeout: .seconds(1), payloadSize: 4000) { event in
            if case let .reply(_, _, _, bytes, _) = event { replies.append(bytes) }
            if case .finished = event { finished = true }
        }
        path.net.run(for: .seconds(5), stopWhen: { finished })
        #expect(replies == [4008, 4008, 4008])
        #expect(path.h2.reassemblyCounters.datagramsReassembled == 3)
        #expect(path.h1.reassemblyCounters.datagramsReassembled == 3)
        #expect(path.h1.counters.fragmentsSent == 9 && path.h2.counters.fragmentsSent == 9)
    }

    @Test("a router fragments a DF-clear datagram for a smaller link; it arrives byte for byte", arguments: NICMode.allCases)
    func routerFragments(mode: NICMode) throws {
        let path = Path(mtus: (1500, 1280, 1500), nic: NICConfiguration(mode: mode, checksumOffload: true))
        // 1,400 bytes fit the first link, not the second; 8,000 bytes leave h1 in fragments that
        // r1 splits again; 65,507 is the largest datagram there is.
        let datagrams = [Self.pattern(1400, seed: 1), Self.pattern(8000, seed: 2), Self.pattern(65_507, seed: 3)]
        let (received, errors) = try Self.udp(path, datagrams, dontFragment: false)
        #expect(errors.isEmpty)
        #expect(received == datagrams)
        #expect(path.r1.counters.datagramsFragmented >= 2)
        #expect(path.h2.reassemblyCounters.datagramsReassembled == 3)
        #expect(path.h2.udpCounters.badChecksums == 0)
    }

    @Test("DF set: the router answers with the next hop's MTU, the host learns it and fragments to fit")
    func fragmentationNeeded() throws {
        let path = Path(mtus: (1500, 1280, 1500))
        let datagrams = [Self.pattern(1400, seed: 4), Self.pattern(1400, seed: 5)]
        let (received, errors) = try Self.udp(path, datagrams, dontFragment: true)
        // The first is lost with the error that says why; the second fits the path learnt.
        #expect(errors.map(\.error) == [.unreachable(code: 4)])
        #expect(errors.first?.reporter == IPv4Address(10, 0, 1, 254))
        #expect(received == [datagrams[1]])
        #expect(path.h1.learntPathMTU(to: Path.h2Address) == 1280)
        #expect(path.r1.counters.droppedTooBig == 1)
    }

    /// Bytes per virtual second of a 4 MB transfer h1 → h2, and the connection's counters.
    static func transfer(_ path: Path, bytes: Int = 4_000_000, port: UInt16 = 80) throws -> (rate: Double, counters: TCPConnectionCounters) {
        let listener = try path.h2.listen(port: port)
        defer { listener.close() }
        var server: BulkEndpoint?
        listener.onAcceptable = {
            if let connection = listener.accept() { server = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 2, receiveSeed: 1) }
        }
        let client = BulkEndpoint(connection: try path.h1.connect(to: Path.h2Address, port: port), sendCount: bytes, sendSeed: 1, receiveSeed: 2)
        let start = path.net.now
        path.net.run(for: .seconds(120), stopWhen: { server?.peerFinished == true })
        #expect(server?.received == bytes && server?.mismatchAt == nil)
        let seconds = Double(path.net.now.since(start).nanosecondsValue) / 1e9
        // Both ends hear the close before they go (their connections outlive this function).
        path.net.run(for: .seconds(10), stopWhen: { client.isClosed && server?.isClosed == true })
        return (Double(bytes) / seconds, client.connection.counters)
    }

    @Test("PMTUD across a 1500 → 1280 → 1500 path: one round of errors, then full speed at the smaller size")
    func pathMTUDiscovery() throws {
        let wide = try Self.transfer(Path(mtus: (1500, 1500, 1500)))
        let path = Path(mtus: (1500, 1280, 1500))
        let narrow = try Self.transfer(path)
        print("PMTUD: \(Int(wide.rate * 8 / 1e6)) Mbit/s over 1500 throughout, \(Int(narrow.rate * 8 / 1e6)) Mbit/s through the 1280 link (virtual time)")
        #expect(narrow.counters.pathMTUReductions == 1)
        #expect(narrow.counters.retransmissionTimeouts == 0, "the path was learnt from ICMP, not by timing out")
        #expect(path.h1.learntPathMTU(to: Path.h2Address) == 1280)
        // Only what was in flight when the first error came back met the small link whole.
        #expect(path.r1.counters.droppedTooBig <= 12)
        // 1,228 of 1,448 payload bytes per segment, less nothing else: the transfer keeps pace.
        #expect(narrow.rate > 0.75 * wide.rate)
        // A second connection starts at the learnt size: no error at all.
        let before = path.r1.counters.droppedTooBig
        _ = try Self.transfer(path, bytes: 500_000, port: 81)
        #expect(path.r1.counters.droppedTooBig == before)
    }

    @Test("RFC 8899: a router whose 'fragmentation needed' never arrives is a black hole TCP finds its way through")
    func blackHole() throws {
        let path = Path(mtus: (1500, 1280, 1500))
        // r1 sends no ICMP error at all (filtered, as some firewalls do).
        path.r1.icmpRateLimits = ICMPRateLimits(perSecond: 0, burst: 0)
        let result = try Self.transfer(path, bytes: 1_000_000)
        #expect(result.counters.blackHoleDetections == 1)
        #expect(result.counters.pathMTUReductions == 0)
        // Three timeouts of the first full-size segment, then segments of the base size.
        #expect(result.counters.retransmissionTimeouts == 3)
        #expect(path.r1.counters.icmpErrorsRateLimited >= 1 && path.r1.counters.icmpErrorsSent == 0)
    }

    @Test("an outage looks like a black hole for a while: full-size segments come back after the retry time")
    func outageIsNotAPermanentBlackHole() throws {
        // 50 MB at 20 Mbit/s: 20 s, long enough for the 10-second retry to come mid-transfer.
        let path = Path(mtus: (1500, 1500, 1500), impairments: Impairments(delay: .milliseconds(1), rate: 20_000_000))
        let listener = try path.h2.listen(port: 80)
        var server: BulkEndpoint?
        listener.onAcceptable = {
            if let connection = listener.accept() { server = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 2, receiveSeed: 1) }
        }
        let client = BulkEndpoint(connection: try path.h1.connect(to: Path.h2Address, port: 80), sendCount: 50_000_000, sendSeed: 1, receiveSeed: 2)
        path.net.run(for: .seconds(1))
        // The link between the routers goes down for 3 s: timeouts in a row, as a black hole gives.
        path.r1.interfaces[1].port.isLinkUp = false
        path.net.run(for: .seconds(3))
        path.r1.interfaces[1].port.isLinkUp = true
        path.net.run(for: .seconds(120), stopWhen: { server?.peerFinished == true })
        #expect(server?.received == 50_000_000 && server?.mismatchAt == nil)
        let counters = client.connection.counters
        #expect(counters.blackHoleDetections == 1 && counters.blackHoleRetries == 1, "\(counters)")
        // Back at full size, and the next suspicion would wait the shortest time again.
        #expect(client.connection.sendMSS == 1448)
        #expect(client.connection.blackHole.interval == .zero)
        path.net.run(for: .seconds(10), stopWhen: { client.isClosed && server?.isClosed == true })
    }

    @Test("black-hole detection leaves a lossy path's segment size alone unless timeouts repeat")
    func noBlackHoleOnLoss() throws {
        let path = Path(mtus: (1500, 1500, 1500), impairments: Impairments(delay: .milliseconds(1), loss: 0.02))
        let result = try Self.transfer(path, bytes: 2_000_000)
        #expect(result.counters.blackHoleDetections == 0)
    }

    @Test("RFC 5927: an error quoting a sequence number outside the flight is ignored; a tiny MTU is raised to 576")
    func forgedErrors() throws {
        let path = Path(mtus: (1500, 1500, 1500))
        let listener = try path.h2.listen(port: 80)
        listener.onAcceptable = { _ = listener.accept() }
        let connection = try path.h1.connect(to: Path.h2Address, port: 80)
        path.net.run(for: .milliseconds(100))
        #expect(connection.state == .established)
        _ = connection.send(Self.pattern(50_000, seed: 9))
        let una = connection.sndUna
        func forged(mtu: UInt16, sequence: SequenceNumber) -> ICMPv4Repr {
            var quote = [UInt8](repeating: 0, count: 28)
            let ip = IPv4Repr(source: IPv4Address(10, 0, 1, 1), destination: Path.h2Address, protocolNumber: IPProtocol.tcp, payloadLength: 1460)
            quote.withUnsafeMutableBytes { bytes in
                ip.emit(into: bytes)
                bytes.put(connection.localPort, at: 20)
                bytes.put(UInt16(80), at: 22)
                bytes.put(sequence.rawValue, at: 24)
            }
            return .fragmentationNeeded(nextHopMTU: mtu, invoking: quote)
        }
        path.h1.receiveICMPError(forged(mtu: 600, sequence: una - 100_000), from: IPv4Address(10, 0, 2, 2))
        #expect(connection.counters.icmpErrorsIgnored == 1)
        #expect(connection.sendMSS == 1448)
        path.h1.receiveICMPError(forged(mtu: 68, sequence: una), from: IPv4Address(10, 0, 2, 2))
        #expect(connection.sendMSS == 576 - 40 - 12)
        #expect(path.h1.learntPathMTU(to: Path.h2Address) == 576)
    }

    @Test("UDP to a closed port: port unreachable to the sender's socket, six at once, then one a second")
    func portUnreachableIsRateLimited() throws {
        let path = Path(mtus: (1500, 1500, 1500))
        let sender = try path.h1.bindUDP()
        var errors: [UDPSocket.Failure] = []
        sender.onError = { errors.append($0) }
        for _ in 0..<20 { try sender.send([1, 2, 3], to: Path.h2Address, port: 9) }
        path.net.run(for: .milliseconds(100))
        #expect(errors.count == 6)
        #expect(errors.allSatisfy { $0.error == .unreachable(code: 3) && $0.reporter == Path.h2Address && $0.destinationPort == 9 })
        #expect(path.h2.counters.icmpErrorsRateLimited == 14)
        #expect(path.h2.udpCounters.noPort == 20)
        path.net.run(for: .seconds(1))
        try sender.send([4], to: Path.h2Address, port: 9)
        path.net.run(for: .milliseconds(100))
        #expect(errors.count == 7)
    }

    @Test("the node-wide limit holds errors to many destinations too")
    func globalRateLimit() throws {
        let path = Path(mtus: (1500, 1500, 1500))
        path.h2.icmpRateLimits = ICMPRateLimits(perSecond: 10, burst: 5, destinationInterval: .zero, destinationBurst: 1)
        let sender = try path.h1.bindUDP()
        for _ in 0..<20 { try sender.send([1], to: Path.h2Address, port: 9) }
        path.net.run(for: .milliseconds(10))
        #expect(path.h2.counters.icmpErrorsSent == 5)
        path.net.run(for: .seconds(1))
        for _ in 0..<20 { try sender.send([1], to: Path.h2Address, port: 9) }
        path.net.run(for: .milliseconds(10))
        #expect(path.h2.counters.icmpErrorsSent == 10)
    }

    @Test("an unknown protocol is answered with protocol unreachable")
    func protocolUnreachable() {
        let path = Path(mtus: (1500, 1500, 1500))
        _ = path.h1.sendIPv4(to: Path.h2Address, from: nil, protocolNumber: 253, payloadLength: 16) { _, _ in }
        path.net.run(for: .milliseconds(100))
        #expect(path.h2.counters.droppedUnsupportedProtocol == 1)
        #expect(path.h2.counters.icmpErrorsSent == 1)
        // h1 has no socket for protocol 253: it counts the error and drops it.
        #expect(path.h1.counters.icmpErrorsIgnored == 1)
    }

    @Test("a connection whose SYNs meet network unreachable gives up with that error, not 'timed out'")
    func softErrorReported() throws {
        let path = Path(mtus: (1500, 1500, 1500))
        path.r1.defaultGateway = nil
        var configuration = TCPConfiguration()
        configuration.synRetries = 2
        let connection = try path.h1.connect(to: Path.h2Address, port: 80, configuration: configuration)
        path.net.run(for: .seconds(30), stopWhen: { connection.isFinished })
        #expect(connection.error == .unreachable(.unreachable(code: 0)))
        #expect(connection.counters.icmpErrors >= 1)
    }

    @Test("UDP on the smart card: payloads stay on the card both ways, no CPU copy", arguments: [false, true])
    func udpOnTheCard(offload: Bool) throws {
        let path = Path(mtus: (1500, 1500, 1500), nic: NICConfiguration(mode: .smart, checksumOffload: offload))
        let datagrams = (0..<50).map { Self.pattern(1400, seed: UInt64($0)) }
        let (received, _) = try Self.udp(path, datagrams, dontFragment: true)
        #expect(received == datagrams)
        let sender = path.h1.interfaces[0].port.driver.counters
        let receiver = path.h2.interfaces[0].port.driver.counters
        #expect(sender.cpuCopiedBytes == 0 && receiver.cpuCopiedBytes == 0)
        #expect(sender.payloadBytesWritten == 50 * 1400 && receiver.payloadBytesRead == 50 * 1400)
        if offload {
            // Written once into the card, read once out of it, and headers only beyond that
            // (42 bytes a datagram, 3%; the first datagram, which waited for ARP, crossed twice).
            #expect(Double(sender.hostToCardBytes) / Double(50 * 1400) < 1.06)
            #expect(Double(receiver.cardToHostBytes) / Double(50 * 1400) < 1.1)
        }
    }
}
