/// The topologies the benchmark brings up, written to its scratch directory.
enum BenchTopologies {
    /// Two hosts on one link of the given MTU.
    static func pair(name: String, mtu: Int, basePort: Int) -> String {
        """
        name: \(name)
        defaults: {underlay: {host: 127.0.0.1, base_port: \(basePort)}}
        nodes:
          h1: {kind: host, interfaces: {eth0: {address: 10.0.0.1/24}}}
          h2: {kind: host, interfaces: {eth0: {address: 10.0.0.2/24}}}
        links:
          - {endpoints: [h1:eth0, h2:eth0], mtu: \(mtu)}
        """
    }

    /// `line3`: two file-serving hosts and a router between them.
    static func line3(name: String, basePort: Int) -> String {
        """
        name: \(name)
        defaults: {underlay: {host: 127.0.0.1, base_port: \(basePort)}}
        nodes:
          h1: {kind: host, serve: true, gateway: 10.0.1.254, interfaces: {eth0: {address: 10.0.1.1/24}}}
          r1: {kind: router, interfaces: {eth0: {address: 10.0.1.254/24}, eth1: {address: 10.0.2.254/24}}}
          h2: {kind: host, serve: true, gateway: 10.0.2.254, interfaces: {eth0: {address: 10.0.2.1/24}}}
        links:
          - endpoints: [h1:eth0, r1:eth0]
          - endpoints: [r1:eth1, h2:eth0]
        """
    }

    /// `nodes` nodes in all: switches of up to 100 hosts each, the switches in a line (no loop
    /// for the bridges to learn around), the hosts on one /16.
    static func startUp(name: String, nodes: Int, basePort: Int) -> String {
        let switches = max(1, (nodes + 100) / 101)
        let hosts = nodes - switches
        var lines = ["name: \(name)", "defaults: {underlay: {host: 127.0.0.1, base_port: \(basePort)}}", "nodes:"]
        for index in 0..<switches { lines.append("  s\(index): {kind: switch}") }
        for index in 0..<hosts {
            lines.append("  h\(index): {kind: host, interfaces: {eth0: {address: 10.1.\(index / 250).\(index % 250 + 1)/16}}}")
        }
        lines.append("links:")
        for index in 1..<max(1, switches) { lines.append("  - endpoints: [s\(index - 1):up, s\(index):down]") }
        for index in 0..<hosts { lines.append("  - endpoints: [h\(index):eth0, s\(index % switches):p\(index)]") }
        return lines.joined(separator: "\n")
    }
}
