import Foundation
import Testing

/// Our TCP between two node processes over real UDP tunnels: 50 MB checked byte for byte.
@Suite("TCP between node processes", .serialized)
struct TCPOverRealProcesses {
    @Test func fiftyMegabytesArriveByteExact() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)

        // The receiver runs in the background: it listens, then waits for the whole stream.
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: Environment.nicbed)
        receiver.arguments = ["exec", "h2", "tcp-recv", "-p", "5001", "--seed", "77", "-n", "50000000"]
        receiver.environment = ProcessInfo.processInfo.environment.merging(run.environment) { _, new in new }
        let receiverOutput = URL(fileURLWithPath: "\(run.root)/recv.out")
        FileManager.default.createFile(atPath: receiverOutput.path, contents: nil)
        let handle = try FileHandle(forWritingTo: receiverOutput)
        receiver.standardOutput = handle
        receiver.standardError = handle
        try receiver.run()
        // Wait until it listens, so the SYN is not answered with RST.
        for _ in 0..<100 {
            if (try? String(contentsOf: receiverOutput, encoding: .utf8))?.contains("listening on port 5001") == true { break }
            usleep(50_000)
        }

        let sender = try run.nicbed("exec", "h1", "tcp-send", "-p", "5001", "--seed", "77", "-n", "50000000", "10.0.0.2")
        receiver.waitUntilExit()
        try? handle.close()
        let received = (try? String(contentsOf: receiverOutput, encoding: .utf8)) ?? ""
        #expect(sender.status == 0, "sender: \(sender.output) \(sender.error)")
        #expect(sender.output.contains("sent 50000000 bytes"))
        #expect(receiver.terminationStatus == 0, "receiver: \(received)")
        #expect(received.contains("received 50000000 bytes"))
        #expect(received.contains("every byte matches the pattern"))
    }

    @Test func aWrongPatternIsCaught() throws {
        // The check above must be able to fail: a receiver expecting another seed rejects the stream.
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let receiver = Process()
        receiver.executableURL = URL(fileURLWithPath: Environment.nicbed)
        receiver.arguments = ["exec", "h2", "tcp-recv", "--seed", "1", "-n", "100000"]
        receiver.environment = ProcessInfo.processInfo.environment.merging(run.environment) { _, new in new }
        let output = Pipe()
        receiver.standardOutput = output
        receiver.standardError = output
        try receiver.run()
        usleep(300_000)
        _ = try run.nicbed("exec", "h1", "tcp-send", "--seed", "2", "-n", "100000", "10.0.0.2")
        receiver.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(receiver.terminationStatus == 1)
        #expect(text.contains("differs from the pattern"))
    }

    @Test func connectingToAClosedPortIsRefused() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let sender = try run.nicbed("exec", "h1", "tcp-send", "-p", "6000", "-n", "1000", "10.0.0.2")
        #expect(sender.status == 1)
        #expect(sender.error.contains("connection refused"))
    }
}
