import Foundation
import SmartNIC
import Testbed

/// `nicbed bench`: the testbed's performance figures measured in one run, with the ratios
/// its targets are stated in (ours against the kernel's, conventional against smart), so the
/// noise of a shared machine cancels as far as it can.
public struct Benchmark {
    public enum Part: String, CaseIterable, Sendable {
        case tunnel, tcp, kernel, ping, cp, startup
    }

    public struct Options: Sendable {
        public var parts = Set(Part.allCases)
        public var tcpBytes = 1_000_000_000
        public var copyBytes = 512 << 20
        public var pings = 500
        public var iperfSeconds = 5
        public var tunnelSeconds = 3.0
        public var startUpNodes = [10, 100, 1000]
        public var basePort = 48_100
        public init() {}
    }

    let options: Options
    let print: (String) -> Void

    public init(options: Options, print: @escaping (String) -> Void) {
        self.options = options
        self.print = print
    }

    public func run() throws -> BenchReport {
        var report = BenchReport(machine: .current())
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let ours = OurStack(scratch: scratch, basePort: options.basePort, print: print)
        let parts = options.parts

        if parts.contains(.tunnel) {
            for size in [1514, 9014] {
                print("tunnel ceiling, \(size)-byte frames, \(options.tunnelSeconds) s …")
                let (sender, receiver) = try tunnel(frameBytes: size)
                let rate = Double(receiver.frames) / receiver.seconds
                report.add("tunnel \(size) B frames/s", rate, "frames/s", "two processes, NIC port + UDP socket each, sendmmsg/recvmmsg")
                report.add("tunnel \(size) B Gbit/s", Double(receiver.bytes) * 8 / receiver.seconds / 1e9, "Gbit/s",
                           "\(receiver.frames) of \(sender.frames) frames received")
            }
        }
        if parts.contains(.tcp) {
            for mtu in [1500, 9000] {
                for mode in [NICMode.smart, .conventional] {
                    print("TCP goodput, \(mode), MTU \(mtu), \(options.tcpBytes / 1_000_000) MB …")
                    let transfer = try ours.tcp(mode: mode, mtu: mtu, bytes: options.tcpBytes)
                    let key = "tcp \(mode) \(mtu)"
                    report.add("\(key) goodput", transfer.megabitsPerSecond / 1000, "Gbit/s", "tcp-send → tcp-recv, every byte checked")
                    report.add("\(key) CPU s/GB", transfer.cpuSecondsPerGB, "s/GB", "both node processes, user + system")
                    report.add("\(key) bus B/payload B", transfer.busPerPayload, "ratio", "both hosts' NICs")
                    report.add("\(key) CPU-copied B/payload B", transfer.cpuCopiedPerPayload, "ratio", "both hosts' NICs")
                    report.add("\(key) frames per send call", transfer.framesPerBatch, "frames", "\(transfer.droppedOnSend) refused by the socket")
                }
            }
        }
        if parts.contains(.kernel) || parts.contains(.ping) {
            if !Shell.isRoot {
                report.skipped.append("the Linux kernel's figures: namespaces need root")
            } else if !Shell.has("iperf3") && parts.contains(.kernel) {
                report.skipped.append("the Linux kernel's TCP: iperf3 is not installed (apt-get install iperf3)")
            }
        }
        if parts.contains(.kernel), Shell.isRoot, Shell.has("iperf3") {
            for mtu in [1500, 9000] {
                if let why = KernelPeer.create(mtu: mtu) { throw BenchError("namespaces for the kernel's TCP: \(why)") }
                defer { KernelPeer.remove() }
                for on in [false, true] {
                    print("Linux TCP over VXLAN between namespaces, MTU \(mtu), offloads \(on ? "on" : "off"), \(options.iperfSeconds) s …")
                    KernelPeer.setOffloads(on)
                    let result = try KernelPeer.iperf(seconds: options.iperfSeconds)
                    report.add("linux \(mtu) offloads \(on ? "on" : "off") goodput", result.megabits / 1000, "Gbit/s", "iperf3, one stream")
                }
            }
        }
        if parts.contains(.ping) {
            print("ping round trips, ours, \(options.pings) pings …")
            let times = try ours.ping(count: options.pings)
            if let p50 = Shell.percentile(times, 50), let p99 = Shell.percentile(times, 99) {
                report.add("ping ours p50", p50, "ms", "\(times.count) replies, h1 → h2, one link, 10 ms apart")
                report.add("ping ours p99", p99, "ms", "")
            }
            if Shell.isRoot {
                print("ping round trips, the kernel's …")
                if let why = KernelPeer.create(mtu: 1500) { throw BenchError("namespaces for the kernel's ping: \(why)") }
                let kernel = KernelPeer.ping(count: options.pings)
                KernelPeer.remove()
                if let p50 = Shell.percentile(kernel, 50), let p99 = Shell.percentile(kernel, 99) {
                    report.add("ping linux p50", p50, "ms", "\(kernel.count) replies over VXLAN between namespaces")
                    report.add("ping linux p99", p99, "ms", "")
                }
            }
        }
        if parts.contains(.cp) {
            print("cp h1 → h2 across line3, \(options.copyBytes >> 20) MiB …")
            let copy = try ours.copy(bytes: options.copyBytes)
            report.add("cp across line3 goodput", copy.megabitsPerSecond / 1000, "Gbit/s", "HTTP fetch over our TCP, written to disk, SHA-256 checked")
            report.add("cp CPU s/GB", copy.cpuSecondsPerGB, "s/GB", "h1, r1 and h2 together")
        }
        if parts.contains(.startup) {
            for nodes in options.startUpNodes {
                print("start-up, \(nodes) nodes …")
                let result = try StartUp.measure(nodes: nodes, scratch: scratch, basePort: options.basePort)
                report.add("start-up \(nodes) nodes", result.seconds, "s", "nicbed up until every node answers")
                report.add("start-up \(nodes) nodes PSS per host", result.pssPerHostMiB, "MiB", "idle hosts, mean")
            }
        }
        judge(&report)
        return report
    }

    /// The targets, each a ratio or a bound on figures of this run.
    func judge(_ report: inout BenchReport) {
        func ratio(_ a: String, _ b: String) -> Double? {
            guard let x = report.value(a), let y = report.value(b), y > 0 else { return nil }
            return x / y
        }
        report.target("tcp smart 1500 goodput (Gbit/s)", report.value("tcp smart 1500 goodput"), atLeast: 2.5)
        report.target("tcp smart 1500 / linux offloads off", ratio("tcp smart 1500 goodput", "linux 1500 offloads off goodput"), atLeast: 0.7)
        report.target("tcp smart 9000 goodput (Gbit/s)", report.value("tcp smart 9000 goodput"), atLeast: 8)
        report.target("tcp smart 9000 / linux offloads off", ratio("tcp smart 9000 goodput", "linux 9000 offloads off goodput"), atLeast: 0.6)
        report.target("tcp conventional / smart, 1500", ratio("tcp conventional 1500 goodput", "tcp smart 1500 goodput"), atLeast: 0.85)
        report.target("tcp conventional / smart, 9000", ratio("tcp conventional 9000 goodput", "tcp smart 9000 goodput"), atLeast: 0.85)
        report.target("cp across line3 (Gbit/s)", report.value("cp across line3 goodput"), atLeast: 1)
        report.target("ping p50 ours / linux", ratio("ping ours p50", "ping linux p50"), atMost: 2)
        report.target("start-up 1000 nodes (s)", report.value("start-up 1000 nodes"), atMost: 30)
        report.target("PSS per idle host, 1000 nodes (MiB)", report.value("start-up 1000 nodes PSS per host"), atMost: 4)
        report.target("smart CPU-copied B/payload B, 1500", report.value("tcp smart 1500 CPU-copied B/payload B"), atMost: 0)
        report.target("smart bus B/payload B, 1500", report.value("tcp smart 1500 bus B/payload B"), atMost: 1.10)
    }

    /// Two `nicbed bench-tunnel` processes, receiver first.
    func tunnel(frameBytes: Int) throws -> (sender: TunnelCeiling.Result, receiver: TunnelCeiling.Result) {
        let executable = ProcessControl.currentExecutable()
        let (receivePort, sendPort) = (options.basePort + 90, options.basePort + 91)
        func start(_ arguments: [String]) throws -> (Process, Pipe) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["bench-tunnel"] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            return (process, pipe)
        }
        let receiver = try start(["receive", "--local", String(receivePort), "--peer", String(sendPort)])
        Thread.sleep(forTimeInterval: 0.3)
        let sender = try start(["send", "--local", String(sendPort), "--peer", String(receivePort),
                                "--frame-bytes", String(frameBytes), "--seconds", String(options.tunnelSeconds)])
        func result(_ running: (Process, Pipe)) throws -> TunnelCeiling.Result {
            let data = running.1.fileHandleForReading.readDataToEndOfFile()
            running.0.waitUntilExit()
            guard running.0.terminationStatus == 0, let result = try? JSONDecoder().decode(TunnelCeiling.Result.self, from: data) else {
                throw BenchError("bench-tunnel failed: \(String(decoding: data, as: UTF8.self))")
            }
            return result
        }
        let sent = try result(sender)
        let received = try result(receiver)
        guard received.seconds > 0 else { throw BenchError("the tunnel receiver got no frames") }
        return (sent, received)
    }
}
