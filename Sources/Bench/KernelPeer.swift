import Foundation

/// The Linux kernel's own TCP/IP between two network namespaces, over VXLAN as our links are:
/// what each of our figures is compared with. The VXLAN underlay is a veth pair between the
/// namespaces (Linux drops VXLAN frames sent to a local address), with an MTU that leaves the
/// inner MTU as asked.
struct KernelPeer {
    static let namespaces = ["nicbed-bench-a", "nicbed-bench-b"]
    static let inner = ["10.77.0.1", "10.77.0.2"]

    /// Makes the two namespaces with a VXLAN link of this inner MTU; nil on success, else why not.
    static func create(mtu: Int) -> String? {
        remove()
        let (a, b) = (namespaces[0], namespaces[1])
        let steps: [[String]] = [
            ["ip", "netns", "add", a], ["ip", "netns", "add", b],
            ["ip", "link", "add", "nbv-a", "netns", a, "type", "veth", "peer", "name", "nbv-b", "netns", b],
            ["ip", "-n", a, "link", "set", "nbv-a", "mtu", String(mtu + 100), "up"],
            ["ip", "-n", b, "link", "set", "nbv-b", "mtu", String(mtu + 100), "up"],
            ["ip", "-n", a, "addr", "add", "192.168.77.1/24", "dev", "nbv-a"],
            ["ip", "-n", b, "addr", "add", "192.168.77.2/24", "dev", "nbv-b"],
            ["ip", "-n", a, "link", "add", "vx0", "type", "vxlan", "id", "77", "local", "192.168.77.1", "remote", "192.168.77.2", "dstport", "4789", "dev", "nbv-a"],
            ["ip", "-n", b, "link", "add", "vx0", "type", "vxlan", "id", "77", "local", "192.168.77.2", "remote", "192.168.77.1", "dstport", "4789", "dev", "nbv-b"],
            ["ip", "-n", a, "link", "set", "vx0", "mtu", String(mtu), "up"], ["ip", "-n", b, "link", "set", "vx0", "mtu", String(mtu), "up"],
            ["ip", "-n", a, "addr", "add", "\(inner[0])/24", "dev", "vx0"], ["ip", "-n", b, "addr", "add", "\(inner[1])/24", "dev", "vx0"],
            ["ip", "-n", a, "link", "set", "lo", "up"], ["ip", "-n", b, "link", "set", "lo", "up"],
        ]
        for step in steps {
            let result = Shell.run(step)
            if result.status != 0 {
                remove()
                return "\(step.joined(separator: " ")): \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
        }
        return nil
    }

    /// Segmentation, receive coalescing and checksum offloads, on or off, on every device of
    /// the path (off is the figure our per-frame stack compares with).
    static func setOffloads(_ on: Bool) {
        let value = on ? "on" : "off"
        for (namespace, veth) in zip(namespaces, ["nbv-a", "nbv-b"]) {
            for device in ["vx0", veth] {
                Shell.run(["ip", "netns", "exec", namespace, "ethtool", "-K", device, "tso", value, "gso", value, "gro", value,
                           "tx", value, "rx", value])
            }
        }
    }

    /// iperf3 from the first namespace to the second for `seconds`: the receiver's Mbit/s and
    /// bytes, from iperf3's JSON report.
    static func iperf(seconds: Int) throws -> (megabits: Double, bytes: Double) {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["ip", "netns", "exec", namespaces[1], "iperf3", "-s", "-1", "-B", inner[1]]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        Thread.sleep(forTimeInterval: 0.5)
        let result = Shell.run(["ip", "netns", "exec", namespaces[0], "iperf3", "-c", inner[1], "-t", String(seconds), "-J"])
        guard result.status == 0, let data = result.output.data(using: .utf8),
              let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let end = report["end"] as? [String: Any], let received = end["sum_received"] as? [String: Any],
              let bits = (received["bits_per_second"] as? NSNumber)?.doubleValue,
              let bytes = (received["bytes"] as? NSNumber)?.doubleValue else {
            throw BenchError("iperf3 between namespaces failed: \(result.output.suffix(300))")
        }
        return (bits / 1e6, bytes)
    }

    /// Round trips of `count` pings, 10 ms apart, across the VXLAN link.
    static func ping(count: Int) -> [Double] {
        Shell.run(["ip", "netns", "exec", namespaces[0], "ping", "-c", "3", "-i", "0.01", inner[1]])
        let result = Shell.run(["ip", "netns", "exec", namespaces[0], "ping", "-c", String(count), "-i", "0.01", inner[1]])
        return Shell.pingTimes(result.output)
    }

    static func remove() {
        for namespace in namespaces { Shell.run(["ip", "netns", "del", namespace]) }
    }
}
