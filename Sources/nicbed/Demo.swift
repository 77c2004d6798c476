import ArgumentParser
import Foundation
import Testbed

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show nicbed in one command: a file copied host to host across a router, on smart and on conventional NICs.",
        discussion: """
        Brings up a built-in topology (h1 - r1 - h2, every node its own process), puts a generated \
        file on h1, copies it to h2 over the emulated network (nicbed's TCP, HTTP file servers), once \
        with every NIC smart and once conventional, prints each copy and the NIC figures of both runs \
        side by side, and tears everything down.
          nicbed demo
          nicbed demo --size 256 --base-port 48000
        """)

    @Option(help: "Size of the generated file in MiB.")
    var size = 64

    @Option(help: "First underlay UDP port of the demo's links.")
    var basePort: UInt16 = 47900

    func validate() throws {
        guard (1...4096).contains(size) else { throw ValidationError("--size needs 1 to 4096 MiB") }
    }

    static let topology = """
        # The demo's topology: two hosts that serve files, a router between them.
        name: nicbed-demo
        nodes:
          h1: {kind: host, serve: true, gateway: 10.0.1.254, interfaces: {eth0: {address: 10.0.1.1/24}}}
          r1: {kind: router, interfaces: {eth0: {address: 10.0.1.254/24}, eth1: {address: 10.0.2.254/24}}}
          h2: {kind: host, serve: true, gateway: 10.0.2.254, interfaces: {eth0: {address: 10.0.2.1/24}}}
        links:
          - endpoints: [h1:eth0, r1:eth0]
          - endpoints: [r1:eth1, h2:eth0]
        """

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topologyPath = directory.appendingPathComponent("demo.yaml").path
        try Self.topology.write(toFile: topologyPath, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("payload.bin").path
        try Self.generate(file, mebibytes: size)
        print("== a \(size) MiB file of random bytes: \(file)")

        var figures: [String] = []
        var header = ""
        for mode in ["smart", "conventional"] {
            print("\n== nicbed up (h1 - r1 - h2), every NIC \(mode)")
            let record: RunRecord
            do {
                record = try Orchestrator.up(topologyPath: topologyPath, options: .init(basePort: basePort, nicMode: .init(rawValue: mode))) { print($0) }
            } catch let error as OrchestratorError {
                throw Failure(error.description)
            }
            defer { try? Orchestrator.down(runName: record.name) { _ in } }
            let running = try RunningTopology(directory: RunDirectory(topologyName: record.name))
            print(StatusTable.render(running))
            print("\n== nicbed cp payload.bin h1:/payload.bin, then h1 -> h2 over the emulated network")
            let upload = try Copy.parse(["--run", record.name, file, "h1:/payload.bin"])
            try upload.run()
            let copy = try Copy.parse(["--run", record.name, "h1:/payload.bin", "h2:/payload.bin"])
            try copy.run()
            for node in record.nodes where node.kind == "host" {
                for line in try running.collect(["stats", "--nic"], on: node).output {
                    if line.hasPrefix("PORT") { header = line } else { figures.append(line) }
                }
            }
            print("\n== nicbed down")
            try Orchestrator.down(runName: record.name) { print($0) }
        }
        print("\n== NIC figures of the two copies (h1 sends, h2 receives; PAYLOAD is bytes written or read,")
        print("   COPIES/B and BUS/B are CPU-copied and bus bytes per payload byte)")
        print(header)
        figures.forEach { print($0) }
    }

    /// Random bytes, written in 1 MiB pieces.
    static func generate(_ path: String, mebibytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let output = FileHandle(forWritingAtPath: path) else {
            throw Failure("cannot write \(path)")
        }
        defer { try? output.close() }
        var generator = SystemRandomNumberGenerator()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        for _ in 0..<mebibytes {
            chunk.withUnsafeMutableBytes { bytes in
                for index in stride(from: 0, to: bytes.count, by: 8) {
                    bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: index, as: UInt64.self)
                }
            }
            try output.write(contentsOf: Data(chunk))
        }
    }
}
