import Foundation
import SmartNIC
import Testbed

/// The figures measured on nodes of ours: TCP goodput between two hosts, ping's round trip,
/// a `cp` across a router, with the CPU the node processes used and their NICs' figures.
struct OurStack {
    let scratch: String
    let basePort: Int
    let print: (String) -> Void

    struct Transfer {
        var seconds: Double
        var bytes: Int
        var cpuSeconds: Double
        /// Sender's and receiver's NIC figures, both ports together.
        var busPerPayload: Double
        var cpuCopiedPerPayload: Double
        var droppedOnSend: Int
        var framesPerBatch: Double
        var megabitsPerSecond: Double { Double(bytes) * 8 / seconds / 1e6 }
        var cpuSecondsPerGB: Double { cpuSeconds / (Double(bytes) / 1e9) }
    }

    /// Brings a topology up, runs `body` on it, and takes it down whatever happens.
    func with<T>(_ name: String, _ yaml: String, nicMode: NICMode?, _ body: (RunningTopology) throws -> T) throws -> T {
        let path = "\(scratch)/\(name).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let record = try Orchestrator.up(topologyPath: path, options: .init(nicMode: nicMode)) { _ in }
        defer { try? Orchestrator.down(runName: record.name) { _ in } }
        return try body(try RunningTopology(directory: RunDirectory(topologyName: record.name)))
    }

    /// `tcp-send` h1 → `tcp-recv` h2 over a pair with this MTU; every byte checked by the receiver.
    func tcp(mode: NICMode, mtu: Int, bytes: Int) throws -> Transfer {
        try with("bench-tcp", BenchTopologies.pair(name: "bench-tcp", mtu: mtu, basePort: basePort), nicMode: mode) { running in
            let h1 = try node("h1", running), h2 = try node("h2", running)
            let cpuBefore = Shell.cpuSeconds(of: h1.pid) + Shell.cpuSeconds(of: h2.pid)
            let receiver = Thread.detachedCollect { try? running.collect(["tcp-recv", "-n", String(bytes)], on: h2) }
            Thread.sleep(forTimeInterval: 0.3)
            let started = Date()
            let sent = try running.collect(["tcp-send", "-n", String(bytes), "10.0.0.2"], on: h1)
            let received = receiver.wait()
            let seconds = Date().timeIntervalSince(started)
            guard sent.status == 0, let received, received.status == 0 else {
                throw BenchError("TCP \(mode) at MTU \(mtu): \((sent.errors + (received?.errors ?? [])).joined(separator: "; "))")
            }
            let cpu = Shell.cpuSeconds(of: h1.pid) + Shell.cpuSeconds(of: h2.pid) - cpuBefore
            let (nic, ports) = try figures([h1, h2], running)
            return Transfer(seconds: Self.elapsed(in: received.output) ?? seconds, bytes: bytes, cpuSeconds: cpu,
                            busPerPayload: nic.bus, cpuCopiedPerPayload: nic.copied,
                            droppedOnSend: ports.droppedOnSend, framesPerBatch: ports.framesPerBatch)
        }
    }

    /// Round trips of `count` pings, 10 ms apart, h1 → h2 on one link.
    func ping(count: Int) throws -> [Double] {
        try with("bench-ping", BenchTopologies.pair(name: "bench-ping", mtu: 1500, basePort: basePort), nicMode: .smart) { running in
            let h1 = try node("h1", running)
            _ = try running.collect(["ping", "-c", "3", "-i", "0.01", "10.0.0.2"], on: h1)   // ARP first
            let result = try running.collect(["ping", "-c", String(count), "-i", "0.01", "10.0.0.2"], on: h1)
            return Shell.pingTimes(result.output.joined(separator: "\n"))
        }
    }

    /// A file put on h1 and fetched by h2 across the router (`nicbed cp h1:/f h2:/f`'s path:
    /// HTTP over our TCP, written to h2's disk, its SHA-256 compared).
    func copy(bytes: Int) throws -> Transfer {
        try with("bench-cp", BenchTopologies.line3(name: "bench-cp", basePort: basePort), nicMode: .smart) { running in
            let h1 = try node("h1", running), h2 = try node("h2", running), r1 = try node("r1", running)
            let file = running.directory.diskPath(node: "h1") + "/bench.bin"
            try Self.randomFile(file, bytes: bytes)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let pids = [h1.pid, h2.pid, r1.pid]
            let cpuBefore = pids.reduce(0) { $0 + Shell.cpuSeconds(of: $1) }
            let started = Date()
            let result = try running.collect(["fetch", "10.0.1.1", "/bench.bin", "/bench.bin"], on: h2)
            let seconds = Date().timeIntervalSince(started)
            guard result.status == 0 else { throw BenchError("cp across line3: \(result.errors.joined(separator: "; "))") }
            try? FileManager.default.removeItem(atPath: running.directory.diskPath(node: "h2") + "/bench.bin")
            let cpu = pids.reduce(0) { $0 + Shell.cpuSeconds(of: $1) } - cpuBefore
            let (nic, ports) = try figures([h1, h2], running)
            return Transfer(seconds: seconds, bytes: bytes, cpuSeconds: cpu, busPerPayload: nic.bus, cpuCopiedPerPayload: nic.copied,
                            droppedOnSend: ports.droppedOnSend, framesPerBatch: ports.framesPerBatch)
        }
    }

    private func node(_ name: String, _ running: RunningTopology) throws -> RunRecord.Node {
        guard let node = running.record.nodes.first(where: { $0.name == name }) else { throw BenchError("no node \(name)") }
        return node
    }

    /// The NIC figures of the nodes' ports together (`stats --json`), and their ports' send
    /// drops and frames per batch.
    private func figures(_ nodes: [RunRecord.Node], _ running: RunningTopology) throws
        -> (nic: (bus: Double, copied: Double), ports: (droppedOnSend: Int, framesPerBatch: Double)) {
        var bus = 0.0, copied = 0.0, payload = 0.0, dropped = 0, frames = 0.0, batches = 0.0
        for node in nodes {
            let result = try running.collect(["stats", "--json"], on: node)
            guard let data = result.output.joined().data(using: .utf8),
                  let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let nics = report["nics"] as? [String: [String: Any]], let ports = report["ports"] as? [String: [String: Any]] else {
                throw BenchError("\(node.name): stats --json did not parse")
            }
            for nic in nics.values {
                let counters = nic["counters"] as? [String: Any] ?? [:]
                func number(_ key: String) -> Double { (counters[key] as? NSNumber)?.doubleValue ?? 0 }
                payload += number("payloadBytesWritten") + number("payloadBytesRead")
                bus += number("hostToCardBytes") + number("cardToHostBytes")
                copied += number("cpuCopiedBytes")
            }
            for port in ports.values {
                dropped += (port["droppedOnSend"] as? NSNumber)?.intValue ?? 0
                frames += (port["transmittedFrames"] as? NSNumber)?.doubleValue ?? 0
                batches += (port["transmitBatches"] as? NSNumber)?.doubleValue ?? 0
            }
        }
        return ((payload > 0 ? bus / payload : 0, payload > 0 ? copied / payload : 0), (dropped, batches > 0 ? frames / batches : 0))
    }

    /// The seconds of tcp-recv's summary line ("received N bytes (…) in S s, goodput …").
    static func elapsed(in lines: [String]) -> Double? {
        for line in lines.reversed() {
            guard let range = line.range(of: ") in ") else { continue }
            return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
        }
        return nil
    }

    static func randomFile(_ path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let output = FileHandle(forWritingAtPath: path) else {
            throw BenchError("cannot write \(path)")
        }
        defer { try? output.close() }
        var generator = SystemRandomNumberGenerator()
        var remaining = bytes
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while remaining > 0 {
            let length = min(remaining, chunk.count)
            chunk.withUnsafeMutableBytes { bytes in
                for index in stride(from: 0, to: bytes.count, by: 8) { bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: index, as: UInt64.self) }
            }
            try output.write(contentsOf: Data(chunk[..<length]))
            remaining -= length
        }
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Thread {
    /// Runs `body` on a thread of its own; `wait()` returns its result.
    static func detachedCollect<T>(_ body: @escaping @Sendable () -> T) -> PendingResult<T> {
        let pending = PendingResult<T>()
        Thread.detachNewThread { pending.finish(body()) }
        return pending
    }
}

final class PendingResult<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: T?

    func finish(_ value: T) {
        condition.lock()
        result = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> T {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}
