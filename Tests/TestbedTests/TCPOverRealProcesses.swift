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
        #expect(transfer.receiver.output.contains("received 50000000 bytes"), "\(transfer.description)")
        #expect(transfer.receiver.output.contains("every byte matches the pattern"), "\(transfer.description)")
    }

    @Test func aWrongPatternIsCaught() throws {
        // The check above must be able to fail: a receiver expecting another seed rejects the stream.
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let receiver = try run.background(["exec", "h2", "tcp-recv", "--seed", "1", "-n", "100000"])
        #expect(receiver.waitFor("listening on port 5001"), "\(receiver.transcript)")
        _ = try run.nicbed("exec", "h1", "tcp-send", "--seed", "2", "-n", "100000", "10.0.0.2", seconds: 60)
        let received = try receiver.wait(seconds: 60)
        #expect(received.status == 1, "\(received.output) \(received.error)")
        #expect(received.error.contains("differs from the pattern"), "\(received.error)")
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
