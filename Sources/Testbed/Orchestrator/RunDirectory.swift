import Foundation
import Topology

/// Where a running topology keeps its state: one directory per topology name under the run
/// root, holding `run.json`, each node's control socket, log and captures. Several topologies
/// can run at once because each has its own directory.
public struct RunDirectory: Sendable {
    public let path: String

    /// `$NICBED_RUN_ROOT`, else /tmp/nicbed. Kept short: Unix socket paths stop at 107 bytes.
    public static var root: String {
        ProcessInfo.processInfo.environment["NICBED_RUN_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/nicbed"
    }

    public init(path: String) { self.path = path }
    public init(topologyName: String) { self.init(path: "\(Self.root)/\(topologyName)") }

    public var recordPath: String { "\(path)/run.json" }
    public func socketPath(node: String) -> String { "\(path)/\(node).sock" }
    public func logPath(node: String) -> String { "\(path)/\(node).log" }
    public func capturePath(node: String, interface: String) -> String { "\(path)/\(node)-\(interface).pcap" }
    /// The node's resolved configuration, which `up` writes and the node process reads.
    public func configurationPath(node: String) -> String { "\(path)/\(node).node.json" }
    /// A host's disk: the directory its file server serves and `nicbed cp` copies into.
    public func diskPath(node: String) -> String { "\(path)/\(node).disk" }

    public func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func readRecord() throws(OrchestratorError) -> RunRecord? {
        guard let data = FileManager.default.contents(atPath: recordPath) else { return nil }
        do { return try JSONDecoder().decode(RunRecord.self, from: data) } catch {
            throw OrchestratorError("\(recordPath) is damaged (\(error)); remove it after stopping its processes")
        }
    }

    public func write(_ record: RunRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: URL(fileURLWithPath: recordPath), options: .atomic)
    }

    public func write(_ configuration: NodeConfiguration) throws {
        try JSONEncoder().encode(configuration)
            .write(to: URL(fileURLWithPath: configurationPath(node: configuration.node.name)), options: .atomic)
    }

    public func removeRecord() { try? FileManager.default.removeItem(atPath: recordPath) }

    /// Every run directory under the root, running or not (logs and captures stay after `down`).
    public static func existing() -> [RunDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { RunDirectory(path: "\(root)/\($0)") }
    }

    /// Every run directory under the root that holds a record.
    public static func all() -> [RunDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { RunDirectory(path: "\(root)/\($0)") }
            .filter { FileManager.default.fileExists(atPath: $0.recordPath) }
    }
}

/// What `nicbed up` started, so later commands find the nodes.
public struct RunRecord: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var name: String
        public var kind: String
        public var pid: Int32
        public var socket: String
        public var log: String
        /// A linux node's network namespace, and the root ends of its veth pairs: what `down`
        /// removes. Nil for the nodes that are our processes.
        public var namespace: String?
        public var underlayDevices: [String]?
        /// The interfaces of a node that answers no control socket (linux, external), as
        /// `status` shows them.
        public var interfaces: [NodeStatus.InterfaceStatus]?
        /// Under docker: the node's container, its address on the underlay network, and the
        /// user's container in a linux node's namespace (`image:`).
        public var container: String?
        public var address: String?
        public var appContainer: String?

        /// Whether the node is one of our processes, with a control socket.
        public var isOurProcess: Bool { pid > 0 }
    }

    public var name: String
    public var topology: String
    public var basePort: UInt16
    public var capture: Bool
    /// The launcher that started the run (`Launchers.named`); nil in records of runs started
    /// before launchers had names, which were all local.
    public var launcher: String?
    /// `up --nic`, so that a node restarted alone runs the card it ran before; nil: the file's.
    public var nicMode: String?
    /// `up --seed`, which a restarted node gets again; nil: 0.
    public var seed: UInt64?
    public var nodes: [Node]

    public init(name: String, topology: String, basePort: UInt16, capture: Bool, launcher: String?, nodes: [Node]) {
        self.name = name
        self.topology = topology
        self.basePort = basePort
        self.capture = capture
        self.launcher = launcher
        self.nodes = nodes
    }
}

public struct OrchestratorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
