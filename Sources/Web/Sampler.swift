import Foundation
import NetStack
import SmartNIC
import Testbed
import Topology

/// Reads every running topology through the nodes' control sockets (`stats --json`,
/// `sockets --json`, `link show`), as the CLI's commands do, and turns two readings into rates.
/// One sampler belongs to one thread: `nicbed web` calls `sample()` once a second.
public final class Sampler {
    /// What a node's `stats --json` holds that the view needs (the rest is ignored).
    struct NodeFigures: Decodable {
        var ports: [String: PortCounters]
        var nics: [String: NICReport]
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

    private func sample(_ running: RunningTopology, problems: inout [String]) -> LiveView.TopologyView {
        let record = running.record
        var result = LiveView.TopologyView(name: record.name, file: record.topology, nodes: [], links: [])
        var figures: [String: NodeFigures] = [:]
        let now = Date().timeIntervalSince1970
        for report in NodeReport.collect(running) {
            var node = LiveView.NodeView(name: report.name, kind: report.kind, state: report.state,
                                         addresses: report.interfaces.map { "\($0.name) \($0.address)" }, connections: nil)
            if let recordNode = record.nodes.first(where: { $0.name == report.name }), recordNode.isOurProcess, report.state == "running" {
                if let stats = try? running.collect(["stats", "--json"], on: recordNode), stats.status == 0 {
                    figures[report.name] = try? JSONDecoder().decode(NodeFigures.self, from: Data(stats.output.joined().utf8))
                }
                if figures[report.name] == nil { problems.append("\(record.name)/\(report.name): no figures") }
                if report.kind == "host", let sockets = try? running.collect(["sockets", "--json"], on: recordNode), sockets.status == 0 {
                    node.connections = try? JSONDecoder().decode([TCPConnectionInfo].self, from: Data(sockets.output.joined().utf8))
                }
            }
            result.nodes.append(node)
        }
        guard let topology = try? topology(of: running) else {
            problems.append("\(record.name): cannot read \(record.topology)")
            return result
        }
        for link in topology.links {
            let ends = [link.a, link.b].map { end -> LiveView.EndView in
                let name = "\(end.node):\(end.interface)"
                var view = LiveView.EndView(end: name, up: nil, impairments: "", rates: nil, totals: nil)
                guard let node = figures[end.node], let port = node.ports[name], let nic = node.nics[name] else { return view }
                let totals = Self.totals(port, nic)
                view.totals = totals
                let key = "\(record.name)/\(name)"
                if let before = previous[key], now > before.time { view.rates = Self.rates(from: before.totals, to: totals, over: now - before.time) }
                previous[key] = (now, totals)
                if let recordNode = record.nodes.first(where: { $0.name == end.node }),
                   let shown = try? running.collect(["link", "show", end.interface], on: recordNode), shown.status == 0,
                   let line = shown.output.first {
                    (view.up, view.impairments) = Self.parseLinkShow(line)
                }
                return view
            }
            result.links.append(LiveView.LinkView(id: link.id, ends: ends))
        }
        return result
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

    /// "h1:eth0 up, frames it sends: delay 0, jitter 0, loss 5%, …" → (true, "loss 5%"): the
    /// state, and the settings that are not the default (nothing impaired reads "").
    static func parseLinkShow(_ line: String) -> (up: Bool?, impairments: String) {
        let words = line.split(separator: " ")
        let up: Bool? = words.count > 1 ? (words[1].hasPrefix("up") ? true : words[1].hasPrefix("down") ? false : nil) : nil
        guard let colon = line.range(of: ": ") else { return (up, "") }
        let unimpaired: Set<String> = ["delay 0", "jitter 0", "loss 0%", "burst 1", "duplicate 0%", "reorder 0%", "corrupt 0%", "rate none"]
        let settings = line[colon.upperBound...].components(separatedBy: ", ").filter { setting in
            !unimpaired.contains(setting) && !setting.hasPrefix("queue ")
        }
        return (up, settings.joined(separator: ", "))
    }
}
