import Foundation
import NetStack
import SmartNIC
import Apps
import Simulation
import Testing
import Wire

/// Whole transfers between two stacks in one process under impairments, one seed each
/// (ARCHITECTURE.md, "Tests", layer 2). A failure names its seed; `NICBED_SEED=N swift test --filter
/// TCPTransferSimulation` replays exactly that run.
@Suite("TCP transfers under seeded impairments")
struct TCPTransferSimulation {
    struct Outcome: CustomStringConvertible {
        var seed: UInt64
        var impairments: Impairments
        var clientSent = 0, serverReceived = 0, serverSent = 0, clientReceived = 0
        var clientMismatch: Int?, serverMismatch: Int?
        var clientState: TCPState?, serverState: TCPState?
        var clientError: TCPError?, serverError: TCPError?
        var finished = false
        var invariantViolations = 0
        var violationKinds = ""
        var retransmittedBytes = 0
        var options = ""
        var virtualTime: Duration = .zero
        /// Card and host packet memory still held once both ends are done (a leak if not 0).
        var heldBytes = 0

        var description: String {
            "seed \(seed): loss \(impairments.loss) dup \(impairments.duplicate) reorder \(impairments.reorder) corrupt \(impairments.corrupt) delay \(impairments.delay) — client sent \(clientSent) server got \(serverReceived); server sent \(serverSent) client got \(clientReceived); states \(String(describing: clientState))/\(String(describing: serverState)); errors \(String(describing: clientError))/\(String(describing: serverError)); mismatch \(String(describing: clientMismatch))/\(String(describing: serverMismatch)); invariant violations \(invariantViolations) \(violationKinds); memory still held \(heldBytes); finished \(finished) after \(virtualTime); \(options)"
        }

        var isCorrect: Bool {
            finished && invariantViolations == 0 && heldBytes == 0 && clientMismatch == nil && serverMismatch == nil && clientSent == serverReceived && serverSent == clientReceived
                && clientError == nil && serverError == nil
                && [TCPState.closed, .timeWait].contains(clientState) && [TCPState.closed, .timeWait].contains(serverState)
        }
    }

    static func impairments(for random: inout SeededRandom) -> Impairments {
        Impairments(delay: .milliseconds(Int64(1 + random.next() % 40)),
                    jitter: .milliseconds(Int64(random.next() % 5)),
                    loss: random.unit() * 0.05, duplicate: random.unit() * 0.02,
                    reorder: random.unit() * 0.05, corrupt: random.unit() * 0.01)
    }

    static func run(seed: UInt64, algorithm: CongestionAlgorithm = .newReno, mode: NICMode = .conventional,
                    maximumBytes: Int = 200_000,
                    clean: Bool = false, configure: (inout TCPConfiguration) -> Void = { _ in }) -> Outcome {
        var random = SeededRandom(seed: seed)
        let drawnForward = impairments(for: &random)
        let drawnBackward = impairments(for: &random)
        let forward = clean ? Impairments(delay: .milliseconds(5)) : drawnForward
        let backward = clean ? Impairments(delay: .milliseconds(5)) : drawnBackward
        var configuration = TCPConfiguration()
        configuration.timeWaitDuration = .seconds(2)
        configuration.congestionControl = algorithm
        // Each seed also picks which options are on and how big the buffers are, so option
        // negotiation and its absence, window scaling and tiny windows are all exercised.
        let choice = random.next()
        configuration.selectiveAcknowledgments = choice & 1 == 0
        configuration.timestamps = choice & 2 == 0
        configuration.windowScaling = choice & 4 == 0
        configuration.noDelay = choice & 8 == 0
        configuration.sendBufferSize = [4_096, 16_384, 65_536, 262_144][Int(choice >> 4 & 3)]
        configuration.receiveBufferSize = [4_096, 16_384, 65_536, 262_144][Int(choice >> 6 & 3)]
        configure(&configuration)
        let net = SimulatedNetwork(seed: random.next())
        // Smart NICs get a card of 64 KiB (so fallbacks happen all the time) or of 16 MiB;
        // conventional ones offload checksums or not.
        switch mode {
        case .smart: net.nic = NICConfiguration(mode: .smart, cardMemory: choice & 256 == 0 ? 64 << 10 : 16 << 20)
        case .conventional: net.nic = NICConfiguration(mode: .conventional, checksumOffload: choice & 256 == 0)
        }
        let client = net.addHost("client", configuration: configuration)
        let server = net.addHost("server", configuration: configuration)
        net.link(client, IPv4Interface("10.0.0.1/24")!, server, IPv4Interface("10.0.0.2/24")!, aToB: forward, bToA: backward)

        if let directory = ProcessInfo.processInfo.environment["NICBED_PCAP_DIR"] { try? net.capture(to: directory) }
        defer { net.closeCaptures() }
        let upload = Int(random.next() % UInt64(maximumBytes))
        let download = Int(random.next() % UInt64(maximumBytes))
        var outcome = Outcome(seed: seed, impairments: forward)
        outcome.options = "sack \(configuration.selectiveAcknowledgments) ts \(configuration.timestamps) ws \(configuration.windowScaling) nodelay \(configuration.noDelay) nic \(mode) card \(net.nic.cardMemory) offload \(net.nic.checksumOffload) sndbuf \(configuration.sendBufferSize) rcvbuf \(configuration.receiveBufferSize)"
        guard let listener = try? server.listen(port: 80) else { return outcome }
        var serverEnd: BulkEndpoint?
        listener.onAcceptable = {
            if let connection = listener.accept() {
                serverEnd = BulkEndpoint(connection: connection, sendCount: download, sendSeed: seed ^ 0xd0, receiveSeed: seed ^ 0x75)
            }
        }
        guard let connection = try? client.connect(to: IPv4Address(10, 0, 0, 2), port: 80) else { return outcome }
        let clientEnd = BulkEndpoint(connection: connection, sendCount: upload, sendSeed: seed ^ 0x75, receiveSeed: seed ^ 0xd0)
        let done = {
            clientEnd.isClosed && (serverEnd?.isClosed ?? false)
                || ([TCPState.closed, .timeWait].contains(clientEnd.connection.state)
                    && [TCPState.closed, .timeWait].contains(serverEnd?.connection.state ?? .listen))
        }
        outcome.finished = net.run(until: Instant.zero + .seconds(900), stopWhen: done)
        outcome.virtualTime = net.now.since(.zero)
        outcome.clientSent = clientEnd.sent
        outcome.clientReceived = clientEnd.received
        outcome.clientMismatch = clientEnd.mismatchAt
        outcome.clientState = clientEnd.connection.state
        outcome.clientError = clientEnd.connection.error
        outcome.serverSent = serverEnd?.sent ?? 0
        outcome.serverReceived = serverEnd?.received ?? 0
        outcome.serverMismatch = serverEnd?.mismatchAt
        outcome.serverState = serverEnd?.connection.state
        outcome.serverError = serverEnd?.connection.error
        outcome.invariantViolations = clientEnd.connection.counters.invariantViolations
            + (serverEnd?.connection.counters.invariantViolations ?? 0)
        outcome.retransmittedBytes = clientEnd.connection.counters.bytesRetransmitted
            + (serverEnd?.connection.counters.bytesRetransmitted ?? 0)
        // Once both ends are done and have read everything, every payload is back in memory.
        outcome.heldBytes = net.ports.reduce(0) { $0 + $1.driver.host.allocatedBytes + ($1.driver.card?.allocatedBytes ?? 0) }
        outcome.violationKinds = "past window \(clientEnd.connection.counters.sentPastWindow)/\(serverEnd?.connection.counters.sentPastWindow ?? 0), SACKed resent \(clientEnd.connection.counters.sentSACKedBytes)/\(serverEnd?.connection.counters.sentSACKedBytes ?? 0)"
        return outcome
    }

    static var seeds: [UInt64] {
        if let text = ProcessInfo.processInfo.environment["NICBED_SEED"], let seed = UInt64(text) { return [seed] }
        let count = Int(ProcessInfo.processInfo.environment["NICBED_SEEDS"] ?? "") ?? 1000
        return (0..<UInt64(count)).map { $0 &* 0x9e37_79b9 &+ 1 }
    }

    /// `NICBED_CC` and `NICBED_NIC` narrow a run to one algorithm or card: the cases left out
    /// are not run at all (and not reported as passed).
    static var algorithms: [CongestionAlgorithm] {
        let only = ProcessInfo.processInfo.environment["NICBED_CC"]
        return CongestionAlgorithm.allCases.filter { only == nil || $0.rawValue == only }
    }
    static var modes: [NICMode] {
        let only = ProcessInfo.processInfo.environment["NICBED_NIC"]
        return NICMode.allCases.filter { only == nil || $0.rawValue == only }
    }

    @Test("random transfers both ways end byte-exact and closed", arguments: algorithms, modes)
    func seededTransfers(algorithm: CongestionAlgorithm, mode: NICMode) throws {
        var failures: [Outcome] = []
        let seeds = algorithm == .newReno ? Self.seeds : Array(Self.seeds.prefix(max(1, Self.seeds.count / 4)))
        try #require(!seeds.isEmpty, "no seed to run (NICBED_SEEDS=0): a run of nothing proves nothing")
        for seed in seeds {
            let outcome = Self.run(seed: seed, algorithm: algorithm, mode: mode)
            if !outcome.isCorrect { failures.append(outcome) }
            if ProcessInfo.processInfo.environment["NICBED_VERBOSE"] != nil { print(outcome) }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(seeds.count) seeds failed (\(algorithm), \(mode) NIC); first: \(failures.first.map(\.description) ?? "")")
    }

    /// Without impairments nothing is lost, so nothing may be retransmitted, and a few hundred
    /// kilobytes cross a 10 ms RTT in well under a virtual second.
    @Test func cleanLinkTransfersWithoutRetransmission() {
        let outcome = Self.run(seed: 42, maximumBytes: 400_000, clean: true) {
            $0.selectiveAcknowledgments = true
            $0.timestamps = true
            $0.windowScaling = true
            $0.sendBufferSize = 256 * 1024
            $0.receiveBufferSize = 256 * 1024
        }
        #expect(outcome.isCorrect, "\(outcome)")
        #expect(outcome.clientSent > 10_000 && outcome.serverSent > 10_000)
        #expect(outcome.retransmittedBytes == 0, "\(outcome)")
        #expect(outcome.virtualTime < .seconds(3), "\(outcome)")
    }
}
