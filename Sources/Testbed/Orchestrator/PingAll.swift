import Foundation

/// Every host pings every other host once (Mininet's `pingall`): a matrix of who reaches whom.
public enum PingAll {
    public struct Outcome: Sendable {
        /// For each host in file order: the hosts it reached, nil where it did not.
        public var rows: [(host: String, reached: [String?])]
        /// Every pair tried, in the order tried (`pingall --json`).
        public var pairs: [Pair] = []
        public var sent: Int
        public var received: Int
        public var droppedPercent: Int { sent == 0 ? 0 : (sent - received) * 100 / sent }
    }

    /// One source pinging one destination. The names are containerlab-like snake case, as in
    /// `status --json`.
    public struct Pair: Codable, Sendable, Equatable {
        public var source: String
        public var destination: String
        /// The address pinged; nil when the destination's address is unknown (it does not answer).
        public var destination_address: String?
        public var sent: Int
        public var reached: Bool
    }

    /// `pingall --json`: the run's name, the pairs, and the totals the summary line gives.
    public struct Report: Codable, Sendable, Equatable {
        public var lab_name: String
        public var pairs: [Pair]
        public var sent: Int
        public var received: Int
        public var dropped_percent: Int

        public init(labName: String, _ outcome: Outcome) {
            lab_name = labName
            pairs = outcome.pairs
            sent = outcome.sent
            received = outcome.received
            dropped_percent = outcome.droppedPercent
        }
    }

    /// Hosts and Linux nodes, and the address each is pinged at (its first interface's), from
    /// the nodes' status; nil for a host that does not answer (it is dead or stuck): it
    /// reaches nobody. A Linux node pings with the system's ping, whose options are the same.
    public static func targets(_ running: RunningTopology) -> [(node: RunRecord.Node, address: String?)] {
        running.record.nodes.filter { $0.kind == "host" || $0.kind == "linux" }.map { node in
            let interfaces = running.interfaces(of: node)
            let address = interfaces?.first?.address.split(separator: "/").first
            return (node, address.map(String.init))
        }
    }

    /// Pings with `count` requests per pair (a pair counts as reached when any reply comes
    /// back, as ping's exit status says) and `timeout` seconds of patience per request.
    public static func run(_ running: RunningTopology, count: Int = 1, timeout: Double = 1,
                           progress: (String) -> Void = { _ in }) throws(OrchestratorError) -> Outcome {
        let hosts = targets(running)
        var outcome = Outcome(rows: [], sent: 0, received: 0)
        for source in hosts {
            var reached: [String?] = []
            for target in hosts where target.node.name != source.node.name {
                outcome.sent += 1
                guard source.address != nil, let address = target.address else {
                    reached.append(nil)
                    outcome.pairs.append(Pair(source: source.node.name, destination: target.node.name,
                                              destination_address: target.address, sent: count, reached: false))
                    continue
                }
                let result = try running.collect(["ping", "-c", String(count), "-i", "0.2", "-W", String(timeout), address],
                                                 on: source.node)
                if result.status == 0 {
                    outcome.received += 1
                    reached.append(target.node.name)
                } else {
                    reached.append(nil)
                }
                outcome.pairs.append(Pair(source: source.node.name, destination: target.node.name,
                                          destination_address: address, sent: count, reached: result.status == 0))
            }
            outcome.rows.append((source.node.name, reached))
            progress(line(source.node.name, reached))
        }
        return outcome
    }

    /// `h1 -> h2 X h4`, as Mininet prints it.
    public static func line(_ host: String, _ reached: [String?]) -> String {
        "\(host) -> " + reached.map { $0 ?? "X" }.joined(separator: " ")
    }

    public static func summary(_ outcome: Outcome) -> String {
        "*** Results: \(outcome.droppedPercent)% dropped (\(outcome.received)/\(outcome.sent) received)"
    }
}
