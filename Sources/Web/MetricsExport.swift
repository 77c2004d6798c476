import CoreMetrics

/// Turns each sample into swift-metrics counters and gauges, which the Prometheus registry
/// behind `/metrics` exposes. Every series has the labels topology, node and interface (link
/// ends) or topology and node (per node). A node's counters are totals since it started, a
/// Prometheus counter is what this process has counted: each sample adds what grew (all of a
/// counter that went back, as after a node's restart, which Prometheus reads as a reset).
/// Lives on the sampler's thread.
final class MetricsExport {
    private var seen: [String: Int] = [:]
    private var counters: [String: CoreMetrics.Counter] = [:]
    private var gauges: [String: Gauge] = [:]

    func record(_ view: LiveView) {
        for topology in view.topologies {
            for link in topology.links {
                for end in link.ends {
                    guard let totals = end.totals else { continue }
                    let parts = end.end.split(separator: ":").map(String.init)
                    guard parts.count == 2 else { continue }
                    let labels = [("topology", topology.name), ("node", parts[0]), ("interface", parts[1])]
                    add("nicbed_port_frames_total", labels + [("direction", "tx")], totals.txFrames)
                    add("nicbed_port_frames_total", labels + [("direction", "rx")], totals.rxFrames)
                    add("nicbed_port_bytes_total", labels + [("direction", "tx")], totals.txBytes)
                    add("nicbed_port_bytes_total", labels + [("direction", "rx")], totals.rxBytes)
                    for (cause, count) in totals.drops.sorted(by: { $0.key < $1.key }) {
                        add("nicbed_port_dropped_frames_total", labels + [("cause", cause)], count)
                    }
                    add("nicbed_nic_cpu_copied_bytes_total", labels, totals.cpuCopiedBytes)
                    add("nicbed_nic_bus_bytes_total", labels, totals.busBytes)
                    add("nicbed_nic_payload_bytes_total", labels, totals.payloadBytes)
                    set("nicbed_nic_card_bytes", labels, Double(totals.cardBytesNow))
                    if let up = end.up { set("nicbed_link_up", labels, up ? 1 : 0) }
                }
            }
            for node in topology.nodes {
                guard let connections = node.connections else { continue }
                let labels = [("topology", topology.name), ("node", node.name)]
                set("nicbed_tcp_connections", labels, Double(connections.count))
                set("nicbed_tcp_cwnd_bytes_sum", labels, Double(connections.reduce(0) { $0 + $1.cwnd }))
            }
        }
    }

    private func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    private func add(_ label: String, _ dimensions: [(String, String)], _ total: Int) {
        let key = key(label, dimensions)
        let counter = counters[key] ?? CoreMetrics.Counter(label: label, dimensions: dimensions)
        counters[key] = counter
        let before = seen[key] ?? 0
        let grew = total >= before ? total - before : total
        if grew > 0 { counter.increment(by: Int64(grew)) }
        seen[key] = total
    }

    private func set(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
        let key = key(label, dimensions)
        let gauge = gauges[key] ?? Gauge(label: label, dimensions: dimensions)
        gauges[key] = gauge
        gauge.record(value)
    }
}
