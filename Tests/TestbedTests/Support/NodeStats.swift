import Foundation
import NetStack
import SmartNIC
import Testbed

/// What `nicbed exec NODE stats --json` prints (`StatsCommand.Report` in Apps): port, NIC and
/// stack counters, and a switch's bridge. Decoded with the counters' own types, whose every
/// field is required: a key the output lacks fails the decoding, and so the test, so no
/// counter reads as 0 for being absent.
struct NodeStats: Decodable {
    var ports: [String: PortCounters]
    var nics: [String: NICReport]
    var stack: StackCounters
    /// A host's or router's reassembly and UDP (a switch has neither).
    var reassembly: ReassemblyCounters?
    var udp: UDPStackCounters?
    var tcp: TCPStackCounters?
    var tcpMemory: TCPMemory?
    var bridge: [String: LearningBridge.PortCounters]?
    var learnedAddresses: Int?

    /// The node's TCP memory against its budget (`tcp: {memory: …}`).
    struct TCPMemory: Decodable {
        var budget: Int
        var charged: Int
        var peak: Int
        var connections: Int
    }

    static func decode(_ json: String) throws -> NodeStats {
        do { return try JSONDecoder().decode(NodeStats.self, from: Data(json.utf8)) } catch {
            throw CommandFailure("stats --json did not decode (\(error)): \(json.prefix(2000))")
        }
    }

    /// Straight from a node's control socket, for a node started without `up` (no run record).
    static func read(socket: String) throws -> NodeStats {
        var output = "", errors = ""
        let status = try ControlClient.send(ControlRequest(command: .exec, arguments: ["stats", "--json"]), to: socket, timeout: 10) {
            output += $0.output ?? ""
            errors += $0.error ?? ""
        }
        guard status == 0 else { throw CommandFailure("stats --json on \(socket) exited \(status): \(errors)") }
        return try decode(output)
    }

    /// The counters of port `name` (`node:interface`), failing if the node has no such port.
    func port(_ name: String) throws -> PortCounters {
        guard let counters = ports[name] else { throw CommandFailure("no port \(name) in stats; ports: \(ports.keys.sorted())") }
        return counters
    }

    func nic(_ name: String) throws -> NICReport {
        guard let report = nics[name] else { throw CommandFailure("no NIC \(name) in stats; NICs: \(nics.keys.sorted())") }
        return report
    }
}

extension TestRun {
    /// `nicbed exec NODE stats --json`, decoded.
    func stats(_ node: String) throws -> NodeStats {
        let result = try nicbed("exec", node, "stats", "--json")
        guard result.status == 0 else { throw CommandFailure("nicbed exec \(node) stats --json exited \(result.status): \(result.error)") }
        return try NodeStats.decode(result.output)
    }
}
