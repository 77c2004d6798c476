import Foundation
import Testing

/// Our TCP between two node processes over real UDP tunnels: 50 MB checked byte for byte.
@Suite("TCP between node processes", .serialized)
struct TCPOverRealProcesses {
    @Test func fiftyMegabytesArriveByteExact() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)

        let transfer = try run.transfer(bytes: 50_000_000)
        #expect(transfer.succeeded, "\(transfer.description)")
        #expect(transfer.sender.output.contains("sent 50000000 bytes"))
        #expect(transfer.receiverOutput.contains("received 50000000 bytes"))
        #expect(transfer.receiverOutput.contains("every byte matches the pattern"))
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
