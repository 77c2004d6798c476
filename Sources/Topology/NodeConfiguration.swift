/// What one node process needs of its topology, resolved once by `nicbed up` for all nodes and
/// handed to each node as a small file. A node that parsed the whole topology itself made
/// start-up grow with the square of the node count: 1,011 nodes each parsing a 100 KB file
/// took 143 s, and the parse left each process 8 MiB larger.
public struct NodeConfiguration: Hashable, Sendable, Codable {
    public var topologyName: String
    /// The file the node was resolved from, for messages.
    public var sourcePath: String
    public var node: NodeSpec
    /// The links the node's interfaces are cabled to, in the order of its interfaces.
    public var links: [LinkSpec]
    /// The far ends of those links that no process of ours runs (linux and external nodes):
    /// nothing of ours impairs what they send, so this node does it as their frames arrive.
    public var foreignPeers: Set<String>

    public init(topologyName: String, sourcePath: String, node: NodeSpec, links: [LinkSpec], foreignPeers: Set<String>) {
        self.topologyName = topologyName
        self.sourcePath = sourcePath
        self.node = node
        self.links = links
        self.foreignPeers = foreignPeers
    }

    /// The link with id `id`, if one of the node's interfaces is cabled to it.
    public func link(id: Int) -> LinkSpec? { links.first { $0.id == id } }
}

extension Topology {
    /// The configuration of the node named `name`, or nil if there is none.
    public func configuration(of name: String) -> NodeConfiguration? {
        node(named: name).map { spec in configuration(of: spec) { node(named: $0)?.kind } }
    }

    /// Every node's configuration, by name: the node kinds are looked up in a dictionary, since
    /// searching the node list for every link end is quadratic at 1,000 nodes.
    public func configurations() -> [String: NodeConfiguration] {
        let kinds = Dictionary(nodes.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        return Dictionary(nodes.map { ($0.name, configuration(of: $0) { kinds[$0] }) }, uniquingKeysWith: { first, _ in first })
    }

    private func configuration(of spec: NodeSpec, kind: (String) -> NodeKind?) -> NodeConfiguration {
        var seen = Set<Int>()
        let cabled = spec.interfaces.compactMap { seen.insert($0.link).inserted ? link(id: $0.link) : nil }
        let farEnds = cabled.flatMap { [$0.a.node, $0.b.node] }.filter { $0 != spec.name }
        let foreign = farEnds.filter { kind($0).map { !$0.runsOurStack } ?? true }
        return NodeConfiguration(topologyName: name, sourcePath: sourcePath, node: spec, links: cabled,
                                 foreignPeers: Set(foreign))
    }
}
