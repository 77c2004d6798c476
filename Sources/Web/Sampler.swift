import Foundation
import Synchronization
import NetStack
import SmartNIC
import Testbed
import Topology

/// Reads every running topology through the nodes' control sockets (`status`, `stats --json`,
/// `sockets --json`), as the CLI's commands do, and turns two readings into rates. The nodes of
/// a topology are read side by side, as many at once as Dispatch runs (one per core), so a
/// sample takes a share of their sum.
/// One sampler belongs to one thread: `nicbed web` calls `sample()` once a second.
public final class Sampler {
    /// What a node's `stats --json` holds that the view needs (the rest is ignored).
    struct NodeFigures: Decodable, Sendable {
        var ports: [String: PortCounters]
        var nics: [String: NICReport]
        /// Absent from nodes older than this CLI (an image built earlier): no link states then.
        var links: [String: LinkEndState]?
    }

    /// One node's answers in one sample.
    struct NodeReading: Sendable {
        var report: NodeReport
        var figures: NodeFigures?
        var connections: [TCPConnectionInfo]?
    }

    private var previous: [String: (time: Double, totals: LiveView.Totals)] = [:]
    private var topologies: [String: Topology] = [:]
    private let runName: String?

    /// `runName` limits the view to one topology; nil shows all that run.
    public init(runName: String? = nil) { self.runName = runName }

    public func sample() -> LiveView {
        var view = LiveView(time: Date().timeIntervalSince1970, topologies: [], problems: [])
        let runs: [RunningTopology]
        do { runs = runName == nil ? try RunningTopology.all() : [try RunningTopology.select(runName)] } catch {
            view.problems.append(error.description)
            return view
        }
        for running in runs { view.topologies.append(sample(running, problems: &view.problems)) }
        view.sampleSeconds = Date().timeIntervalSince1970 - view.time
        return view
    }

    private func topology(of running: RunningTopology) throws -> Topology {
        let key = "\(running.record.name)@\(running.record.topology):\(running.record.basePort)"
        if let known = topologies[key] { return known }
        let loaded = try Topology.load(path: running.record.topology, basePortOverride: running.record.basePort)
        topologies[key] = loaded
        return loaded
    }

    /// Every node of the run, read a core's worth at a time; file order.
    static func read(_ running: RunningTopology) -> [NodeReading] {
        let nodes = running.record.nodes
        let readings = Mutex([NodeReading?](repeating: nil, count: nodes.count))
        DispatchQueue.concurrentPerform(iterations: nodes.count) { index in
            let reading = read(nodes[index], of: running)
            readings.withLock { $0[index] = reading }
        }
        return readings.withLock { $0.compactMap { $0 } }
    }

    static func read(_ node: RunRecord.Node, of running: RunningTopology) -> NodeReading {
        var reading = NodeReading(report: NodeReport.read(node, of: running))
        guard node.isOurProcess, reading.report.state == "running" else { return reading }
        if let stats = try? running.collect(["stats", "--json"], on: node), stats.status == 0 {
            reading.figures = try? JSONDecoder().decode(NodeFigures.self, from: Data(stats.output.joined().utf8))
        }
        if node.kind == "host", let sockets = try? running.collect(["sockets", "--json"], on: node), sockets.status == 0 {
            reading.connections = try? JSONDecoder().decode([TCPConnectionInfo].self, from: Data(sockets.output.joined().utf8))
        }
        return reading
    }

    private func sample(_ running: RunningTopology, problems: inout [String]) -> LiveView.TopologyView {
        let record = running.record
        var result = LiveView.TopologyView(name: record.name, file: record.topology, nodes: [], links: [])
        var figures: [String: NodeFigures] = [:]
        let now = Date().timeIntervalSince1970
        for reading in Self.read(running) {
            let report = reading.report
            result.nodes.append(LiveView.NodeView(name: report.name, kind: report.kind, state: report.state,
                                                  addresses: report.interfaces.map { "\($0.name) \($0.address)" },
                                                  connections: reading.connections))
            if let node = reading.figures {
                figures[report.name] = node
            } else if record.nodes.first(where: { $0.name == report.name })?.isOurProcess == true, report.state == "running" {
                problems.append("\(record.name)/\(report.name): no figures")
            }
        }
        guard let topology = try? topology(of: running) else {
            problems.append("\(record.name): cannot read \(record.topology)")
            return result
        }
        for link in topology.links {
            let ends = [(link.a, link.b), (link.b, link.a)].map { end, peer -> LiveView.EndView in
                let name = "\(end.node):\(end.interface)"
                var view = LiveView.EndView(end: name, up: nil, impairments: "", rates: nil, totals: nil)
                (view.up, view.impairments) = Self.state(of: name, peer: "\(peer.node):\(peer.interface)", figures: figures)
                guard let node = figures[end.node], let port = node.ports[name], let nic = node.nics[name] else { return view }
                let totals = Self.totals(port, nic)
                view.totals = totals
                let key = "\(record.name)/\(name)"
                if let before = previous[key], now > before.time { view.rates = Self.rates(from: before.totals, to: totals, over: now - before.time) }
                previous[key] = (now, totals)
                return view
            }
            result.links.append(LiveView.LinkView(id: link.id, ends: ends))
        }
        return result
    }

    /// A link end's state and what is done to the frames it sends, both NODE:IFACE. An end of
    /// ours says it itself; a linux or external end's frames are impaired on arrival at our
    /// peer port, which also holds the link's state. Nothing known: (nil, "").
    static func state(of end: String, peer: String, figures: [String: NodeFigures]) -> (up: Bool?, impairments: String) {
        func node(_ end: String) -> String { String(end.prefix { $0 != ":" }) }
        if let own = figures[node(end)] {
            guard let state = own.links?[end] else { return (nil, "") }
            return (state.up, LinkEndState.summary(state.sends))
        }
        guard let state = figures[node(peer)]?.links?[peer] else { return (nil, "") }
        return (state.up, LinkEndState.summary(state.arriving))
    }

    /// The drop causes a port and its NIC count, by the counter's name.
    static func drops(_ port: PortCounters, _ nic: NICReport) -> [String: Int] {
        [
            "filter": port.droppedByFilter, "loss": port.droppedLoss, "queueFull": port.droppedQueueFull,
            "delayLineFull": port.droppedDelayLineFull, "linkDown": port.droppedLinkDown, "ringFull": port.droppedRingFull,
            "onSend": port.droppedOnSend, "foreignSource": port.droppedForeignSource,
            "badEncapsulation": port.droppedBadEncapsulation, "wrongVNI": port.droppedWrongVNI,
            "noBuffer": nic.counters.droppedNoBuffer, "checksumErrors": port.checksumErrors,
        ]
    }

    static func totals(_ port: PortCounters, _ nic: NICReport) -> LiveView.Totals {
        LiveView.Totals(txFrames: port.transmittedFrames, rxFrames: port.receivedFrames,
                        txBytes: port.transmittedFrameBytes, rxBytes: port.receivedFrameBytes,
                        drops: drops(port, nic), cpuCopiedBytes: nic.counters.cpuCopiedBytes, busBytes: nic.counters.busBytes,
                        payloadBytes: nic.payloadBytes, mode: nic.mode.rawValue, cardBytesNow: nic.cardBytesNow)
    }

    /// Per second between two readings; a counter that went back (the node restarted) counts
    /// from zero.
    static func rates(from before: LiveView.Totals, to after: LiveView.Totals, over seconds: Double) -> LiveView.Rates {
        func rate(_ a: Int, _ b: Int) -> Double { Double(b >= a ? b - a : b) / seconds }
        return LiveView.Rates(
            txFramesPerSecond: rate(before.txFrames, after.txFrames), rxFramesPerSecond: rate(before.rxFrames, after.rxFrames),
            txBitsPerSecond: 8 * rate(before.txBytes, after.txBytes), rxBitsPerSecond: 8 * rate(before.rxBytes, after.rxBytes),
            dropsPerSecond: after.drops.reduce(into: [:]) { $0[$1.key] = rate(before.drops[$1.key] ?? 0, $1.value) },
            cpuCopiedBytesPerSecond: rate(before.cpuCopiedBytes, after.cpuCopiedBytes),
            busBytesPerSecond: rate(before.busBytes, after.busBytes))
    }
}
