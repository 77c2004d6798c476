import Foundation
import SmartNIC
#if canImport(Glibc)
import Glibc
#endif

/// A `tcp-send` / `tcp-recv` pair between two nodes of a running test topology, and the NIC
/// figures the nodes report afterwards.
struct BulkTransfer {
    var sender: CommandResult
    var receiverStatus: Int32
    var receiverOutput: String

    var succeeded: Bool { sender.status == 0 && receiverStatus == 0 }
    var description: String { "sender: \(sender.output) \(sender.error)\nreceiver: \(receiverOutput)" }
}

extension TestRun {
    /// Sends `bytes` of the seeded pattern from `from` to `address` (where `to` listens), and
    /// waits until the receiver has checked every byte.
    func transfer(bytes: Int, from: String = "h1", to: String = "h2", address: String = "10.0.0.2",
                  seed: Int = 77, port: Int = 5001) throws -> BulkTransfer {
        // The receiver runs in the background: it listens, then waits for the whole stream.
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: Environment.nicbed)
        receiver.arguments = ["exec", to, "tcp-recv", "-p", String(port), "--seed", String(seed), "-n", String(bytes)]
        receiver.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let receiverOutput = URL(fileURLWithPath: "\(root)/recv-\(UUID().uuidString).out")
        FileManager.default.createFile(atPath: receiverOutput.path, contents: nil)
        let handle = try FileHandle(forWritingTo: receiverOutput)
        receiver.standardOutput = handle
        receiver.standardError = handle
        try receiver.run()
        // Wait until it listens, so the SYN is not answered with RST.
        for _ in 0..<100 {
            if (try? String(contentsOf: receiverOutput, encoding: .utf8))?.contains("listening on port \(port)") == true { break }
            usleep(50_000)
        }
        let sender = try CommandRunner.run(Environment.nicbed, ["exec", from, "tcp-send", "-p", String(port), "--seed", String(seed),
                                                                "-n", String(bytes), address], environment: environment)
        receiver.waitUntilExit()
        try? handle.close()
        return BulkTransfer(sender: sender, receiverStatus: receiver.terminationStatus,
                            receiverOutput: (try? String(contentsOf: receiverOutput, encoding: .utf8)) ?? "")
    }

    /// What `nicbed exec NODE stats --json` reports for the node's NICs, by port name.
    func nicReports(_ node: String) throws -> [String: NICReport] {
        struct Stats: Decodable { var nics: [String: NICReport] }
        let result = try nicbed("exec", node, "stats", "--json")
        return try JSONDecoder().decode(Stats.self, from: Data(result.output.utf8)).nics
    }
}
