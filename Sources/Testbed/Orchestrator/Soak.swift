import Foundation
import SmartNIC

/// `nicbed soak`: hours of mixed traffic with faults across a running topology, sampling every
/// node process's memory (PSS) and open file descriptors, to show that neither grows: what a
/// leak per connection, per frame or per fault would do over a long run.
///
/// Each round picks hosts at random (seeded): a TCP bulk transfer between two, UDP at a fixed
/// rate between two others, pings between a third pair, all at once; and at times a fault on a
/// random link end of a node of ours (loss, delay, or the link down) for three seconds, after
/// which the link's own settings are put back. Transfers that a fault breaks are counted, not fatal: the soak is
/// about the nodes' resources, not the transfers' success.
public struct Soak: Sendable {
    public struct Options: Sendable {
        public var duration: Duration
        /// How long before the baseline is taken: card memory, buffers and tables reach their
        /// working size in the first minutes (a page of card memory counts once it is touched).
        public var warmUp: Duration
        public var sampleEvery: Duration
        public var seed: UInt64
        /// Bytes of each round's TCP transfer.
        public var transferBytes: Int

        public init(duration: Duration, warmUp: Duration, sampleEvery: Duration, seed: UInt64, transferBytes: Int = 20 << 20) {
            self.duration = duration
            self.warmUp = warmUp
            self.sampleEvery = sampleEvery
            self.seed = seed
            self.transferBytes = transferBytes
        }
    }

    /// One node's resources at one moment.
    public struct Sample: Sendable, Codable {
        public var node: String
        public var seconds: Double
        public var pssBytes: Int
        public var fileDescriptors: Int

        public init(node: String, seconds: Double, pssBytes: Int, fileDescriptors: Int) {
            self.node = node
            self.seconds = seconds
            self.pssBytes = pssBytes
            self.fileDescriptors = fileDescriptors
        }
    }

    /// What a soak found: per node, its resources at the end of the warm-up (the baseline, once
    /// card memory, pools and tables have their working size), half-way from there to the end,
    /// at the end and at most; and the verdict.
    public struct Report: Sendable, Codable {
        public struct Node: Sendable, Codable {
            public var name: String
            public var pssBaseline: Int
            public var pssMiddle: Int
            public var pssLast: Int
            public var pssPeak: Int
            public var fdsBaseline: Int
            public var fdsLast: Int
            public var verdict: Verdict
        }
        public var seconds: Double
        public var rounds: Int
        public var transfers: Int
        public var transfersFailed: Int
        public var faults: Int
        public var nodes: [Node]
        public var samples: [Sample]
        /// Whether no node kept growing.
        public var held: Bool { nodes.allSatisfy { $0.verdict == .flat || $0.verdict == .stepped } }
    }

    /// How a node's resources went after the warm-up.
    public enum Verdict: String, Sendable, Codable {
        /// No more than the tolerance above the baseline at the end.
        case flat
        /// Above it, but no more than the tolerance above the half-way sample: a working size
        /// reached once and kept, not a trend (a delay line's slots, allocated the first time a
        /// fault delays that link end's frames, are 3.6 MiB at 20 ms and 1 Gbit/s).
        case stepped
        /// Growing in the second half too: what a leak per transfer or per fault does.
        case grew
        /// The process was gone at the end.
        case died
    }

    /// The growth a node may show and still count as not growing: 2 MiB or 10 %, whichever is
    /// more (allocator noise, and pages malloc keeps after a peak), and two descriptors (a
    /// control connection open at the moment of a sample).
    public static func isWithinTolerance(from pssBefore: Int, to pssAfter: Int, fdsBefore: Int, fdsAfter: Int) -> Bool {
        pssAfter <= pssBefore + max(2 << 20, pssBefore / 10) && fdsAfter <= fdsBefore + 2
    }

    public static func verdict(baseline: Sample, middle: Sample, last: Sample) -> Verdict {
        guard last.pssBytes >= 0 && last.fileDescriptors >= 0 else { return .died }
        if isWithinTolerance(from: baseline.pssBytes, to: last.pssBytes, fdsBefore: baseline.fileDescriptors, fdsAfter: last.fileDescriptors) {
            return .flat
        }
        if isWithinTolerance(from: middle.pssBytes, to: last.pssBytes, fdsBefore: middle.fileDescriptors, fdsAfter: last.fileDescriptors) {
            return .stepped
        }
        return .grew
    }

    /// How long a fault lasts, and how long a command may go without a word before it is given up.
    static let faultSeconds = 3.0
    static let commandTimeout = 60.0

    let running: RunningTopology
    let options: Options
    let log: @Sendable (String) -> Void

    public init(running: RunningTopology, options: Options, log: @escaping @Sendable (String) -> Void) throws(OrchestratorError) {
        guard running.record.nodes.contains(where: \.isOurProcess) else {
            throw OrchestratorError("\(running.record.name) has no node process of ours to watch")
        }
        guard running.record.nodes.filter(\.isOurProcess).allSatisfy({ FileManager.default.fileExists(atPath: "/proc/\($0.pid)/smaps_rollup") }) else {
            throw OrchestratorError("soak reads each node's /proc/PID: it needs a topology started as local processes (`nicbed up FILE`, not --docker)")
        }
        self.running = running
        self.options = options
        self.log = log
    }

    public func run() throws(OrchestratorError) -> Report {
        let topology = try Self.topology(of: running)
        let hosts = topology.hosts
        guard hosts.count >= 2 else { throw OrchestratorError("soak needs at least two hosts; \(running.record.name) has \(hosts.count)") }
        var random = SoakRandom(seed: options.seed)
        let started = Date()
        let end = started.addingTimeInterval(options.duration.seconds)
        var samples: [Sample] = []
        var baseline: [String: Sample] = [:]
        let warmedUp = started.addingTimeInterval(options.warmUp.seconds)
        var nextSample = Date()
        var rounds = 0, transfers = 0, failed = 0, faults = 0
        while Date() < end {
            rounds += 1
            // A fault lasts a few seconds of the round, then is undone while its traffic goes on.
            let undone = DispatchGroup()
            if rounds > 1 && random.next(below: 3) == 0, let fault = topology.randomFault(&random),
               let restore = apply(fault) {
                faults += 1
                undone.enter()
                DispatchQueue.global().asyncAfter(deadline: .now() + Self.faultSeconds) {
                    undo(restore, on: fault.node)
                    undone.leave()
                }
            }
            let outcome = round(hosts: hosts, number: rounds, random: &random)
            undone.wait()
            transfers += outcome.attempted
            failed += outcome.failed
            let needsBaseline = baseline.isEmpty && Date() >= warmedUp
            if Date() >= nextSample || Date() >= end || needsBaseline {
                let now = Date().timeIntervalSince(started)
                let taken = sample(at: now)
                samples += taken
                if needsBaseline {
                    for entry in taken { baseline[entry.node] = entry }
                    log(String(format: "%7.0f s  warmed up: the baseline", now))
                }
                let pss = taken.reduce(0) { $0 + $1.pssBytes }, fds = taken.reduce(0) { $0 + $1.fileDescriptors }
                log(String(format: "%7.0f s  round %4d  PSS %7.1f MiB in all (largest node %6.1f MiB)  fds %4d  transfers %d (%d failed)  faults %d",
                           now, rounds, Double(pss) / 1_048_576, Double(taken.map(\.pssBytes).max() ?? 0) / 1_048_576, fds, transfers, failed, faults))
                nextSample = Date().addingTimeInterval(options.sampleEvery.seconds)
            }
        }
        let last = sample(at: Date().timeIntervalSince(started))
        samples += last
        let nodes = last.map { entry -> Report.Node in
            let first = baseline[entry.node] ?? entry
            let after = samples.filter { $0.node == entry.node && $0.seconds >= first.seconds }
            let halfWay = (first.seconds + entry.seconds) / 2
            // Strictly before the end, so that growth in the second half can show.
            let middle = after.dropLast().first { $0.seconds >= halfWay } ?? after.dropLast().last ?? first
            let peak = samples.filter { $0.node == entry.node }.map(\.pssBytes).max() ?? entry.pssBytes
            return Report.Node(name: entry.node, pssBaseline: first.pssBytes, pssMiddle: middle.pssBytes, pssLast: entry.pssBytes,
                               pssPeak: peak, fdsBaseline: first.fileDescriptors, fdsLast: entry.fileDescriptors,
                               verdict: Self.verdict(baseline: first, middle: middle, last: entry))
        }
        return Report(seconds: Date().timeIntervalSince(started), rounds: rounds, transfers: transfers,
                      transfersFailed: failed, faults: faults, nodes: nodes, samples: samples)
    }

    // MARK: - Traffic

    /// One round: TCP, UDP and ping at once between random hosts; returns the transfers
    /// attempted and the ones that failed.
    private func round(hosts: [SoakTopology.Host], number: Int, random: inout SoakRandom) -> (attempted: Int, failed: Int) {
        let pick = { (random: inout SoakRandom) -> (SoakTopology.Host, SoakTopology.Host) in
            let a = hosts[random.next(below: hosts.count)]
            var b = hosts[random.next(below: hosts.count)]
            while b.name == a.name { b = hosts[random.next(below: hosts.count)] }
            return (a, b)
        }
        let (tcpFrom, tcpTo) = pick(&random)
        let (udpFrom, udpTo) = pick(&random)
        let (pingFrom, pingTo) = pick(&random)
        let port = String(20_000 + number % 20_000)
        let bytes = String(options.transferBytes)
        // Each sender starts once its receiver says it is listening (or after 10 s without).
        let tcpListening = DispatchSemaphore(value: 0), udpListening = DispatchSemaphore(value: 0)
        let commands: [(SoakTopology.Host, [String], waitFor: DispatchSemaphore?, signal: DispatchSemaphore?)] = [
            (tcpTo, ["tcp-recv", "-p", port, "-n", bytes], nil, tcpListening),
            (tcpFrom, ["tcp-send", "-p", port, "-n", bytes, tcpTo.address], tcpListening, nil),
            (udpTo, ["udp-recv", "-p", port, "--idle", "3"], nil, udpListening),
            (udpFrom, ["udp-send", "-p", port, "-b", "20000000", "-t", "3", udpTo.address], udpListening, nil),
            (pingFrom, ["ping", "-c", "20", "-i", "0.1", pingTo.address], nil, nil),
        ]
        let statuses = Statuses(count: commands.count)
        let group = DispatchGroup()
        for (index, (host, arguments, waitFor, signal)) in commands.enumerated() {
            guard let node = running.record.nodes.first(where: { $0.name == host.name }) else { continue }
            group.enter()
            DispatchQueue.global().async { [running] in
                _ = waitFor?.wait(timeout: .now() + 10)
                // A command silent for `commandTimeout` is given up (the node stops a command
                // whose client goes): a receiver whose sender never connected, under a fault.
                let request = ControlRequest(command: .exec, arguments: arguments)
                let status = (try? running.launcher.control(request, on: node, timeout: Self.commandTimeout) { response in
                    if let line = response.output, line.hasPrefix("listening") { signal?.signal() }
                }) ?? -1
                statuses.set(index, status)
                group.leave()
            }
        }
        group.wait()
        let results = statuses.all
        // The TCP pair and the UDP pair each count as one transfer.
        let failed = [results[0] != 0 || results[1] != 0, results[2] != 0 || results[3] != 0, results[4] != 0].filter { $0 }.count
        return (3, failed)
    }

    // MARK: - Faults

    /// One of the three faults on a link end of a node of ours.
    struct Fault: Sendable {
        enum Kind: Sendable { case loss, delay, down }
        var node: String
        var interface: String
        var kind: Kind
    }

    /// Puts `fault` in place and returns the node command that puts back what was there (the
    /// link's own loss or delay, as `link show` had it); nil if it could not be applied.
    private func apply(_ fault: Fault) -> [String]? {
        guard let node = running.record.nodes.first(where: { $0.name == fault.node }),
              let shown = try? running.collect(["link", "show", fault.interface], on: node), shown.status == 0,
              let line = shown.output.first(where: { $0.contains("frames it sends:") })
        else { return nil }
        let iface = fault.interface
        let (set, undo): ([String], [String])
        switch fault.kind {
        case .loss:
            (set, undo) = (["link", "set", iface, "loss", "3%"], ["link", "set", iface, "loss", Self.field("loss", in: line) ?? "0%"])
        case .delay:
            (set, undo) = (["link", "set", iface, "delay", "20ms"], ["link", "set", iface, "delay", Self.field("delay", in: line) ?? "0"])
        case .down:
            (set, undo) = (["link", "down", iface], line.contains(" down,") ? ["link", "down", iface] : ["link", "up", iface])
        }
        guard let applied = try? running.collect(set, on: node), applied.status == 0 else { return nil }
        return undo
    }

    private func undo(_ command: [String], on nodeName: String) {
        guard let node = running.record.nodes.first(where: { $0.name == nodeName }) else { return }
        let result = try? running.collect(command, on: node)
        if result?.status != 0 { log("could not undo a fault on \(nodeName): `\(command.joined(separator: " "))`: \(result?.errors.joined(separator: " ") ?? "no answer")") }
    }

    /// A field's value in `link show`'s line ("…, frames it sends: loss 1%, delay 20ms, …").
    static func field(_ name: String, in line: String) -> String? {
        guard let marker = line.range(of: "frames it sends:") else { return nil }
        for entry in line[marker.upperBound...].split(separator: ",") {
            let words = entry.split(separator: " ")
            if words.count == 2 && words[0] == name { return String(words[1]) }
        }
        return nil
    }

    // MARK: - Samples

    private func sample(at seconds: Double) -> [Sample] {
        running.record.nodes.filter(\.isOurProcess).map { node in
            // -1: the process is gone (the verdict says so; it is never taken for "flat").
            Sample(node: node.name, seconds: seconds, pssBytes: Self.pss(of: node.pid) ?? -1,
                   fileDescriptors: Self.fileDescriptors(of: node.pid) ?? -1)
        }
    }

    /// Proportional set size in bytes (/proc/PID/smaps_rollup).
    static func pss(of pid: Int32) -> Int? {
        guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
        let line = rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
    }

    static func fileDescriptors(of pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    static func topology(of running: RunningTopology) throws(OrchestratorError) -> SoakTopology {
        var hosts: [SoakTopology.Host] = []
        var ends: [(String, String)] = []
        for node in running.record.nodes where node.isOurProcess {
            guard let status = running.status(of: node) else { throw OrchestratorError("node \(node.name) does not answer") }
            for interface in status.interfaces { ends.append((node.name, interface.name)) }
            if node.kind == "host", let address = status.interfaces.first?.address.split(separator: "/").first {
                hosts.append(SoakTopology.Host(name: node.name, address: String(address)))
            }
        }
        return SoakTopology(hosts: hosts, linkEnds: ends)
    }
}

/// The hosts (with an address to reach each at) and the link ends of our nodes.
struct SoakTopology {
    struct Host { var name: String; var address: String }
    var hosts: [Host]
    var linkEnds: [(node: String, interface: String)]

    func randomFault(_ random: inout SoakRandom) -> Soak.Fault? {
        guard !linkEnds.isEmpty else { return nil }
        let end = linkEnds[random.next(below: linkEnds.count)]
        let kinds: [Soak.Fault.Kind] = [.loss, .delay, .down]
        return Soak.Fault(node: end.node, interface: end.interface, kind: kinds[random.next(below: kinds.count)])
    }
}

/// The soak's choices come from the impairments' seeded generator: they repeat for a seed.
typealias SoakRandom = SeededRandom

extension SeededRandom {
    /// A value in 0..<bound.
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Exit statuses written from the commands' threads.
private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int32]
    init(count: Int) { values = Array(repeating: -1, count: count) }
    func set(_ index: Int, _ status: Int32) { lock.withLock { values[index] = status } }
    var all: [Int32] { lock.withLock { values } }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
