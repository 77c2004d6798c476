import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The control socket takes whatever a local client sends: a bad request gets an error line
/// and the node carries on; a client that goes away mid-command stops that command.
@Suite("control socket input", .serialized)
struct ControlSocketInput {
    /// Sends raw bytes to a node's control socket and returns everything it answers.
    func exchange(_ bytes: [UInt8], with socketPath: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            offset += written
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            answer += buffer[..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    @Test func badRequestsAreAnsweredAndTheNodeCarriesOn() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let socketPath = "\(run.root)/pair/h1.sock"

        let notJSON = try exchange(Array("hello\n".utf8), with: socketPath)
        #expect(notJSON.contains("not a control request"))
        #expect(notJSON.contains("\"exit\":2"))

        let unknownCommand = try exchange(Array("{\"command\":\"reboot\",\"arguments\":[]}\n".utf8), with: socketPath)
        #expect(unknownCommand.contains("not a control request"))

        let garbage = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 37) }.filter { $0 != 10 } + [10]
        let binary = try exchange(garbage, with: socketPath)
        #expect(binary.contains("\"exit\":2"))

        // A line longer than the node buffers is refused rather than held in memory.
        let long = try exchange([UInt8](repeating: UInt8(ascii: "a"), count: 100_000), with: socketPath)
        #expect(long.contains("request line too long"))

        // Still alive and answering.
        let ping = try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.0.2")
        #expect(ping.status == 0)
    }

    @Test func aClientThatLeavesStopsItsCommand() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let ping = try run.background(["exec", "h1", "ping", "-c", "1000", "-i", "0.05", "10.0.0.2"])
        // Some requests answered, so the command surely runs on the node.
        #expect(ping.waitFor("icmp_seq=3 "), "\(ping.transcript)")
        let interruptedAt = Date()
        ping.interrupt()
        // Bounded: a client that ignored SIGINT would be killed here and the test fail.
        try ping.wait(seconds: 5)
        #expect(Date().timeIntervalSince(interruptedAt) < 5, "nicbed exec did not stop on SIGINT")
        // The node stopped pinging when its client went away: h2 answers no more requests.
        // Settled once two reads 0.2 s apart agree (a request may still be on its way);
        // then nothing more for half a second, ten of ping's intervals.
        func replies() throws -> Int { try run.stats("h2").stack.icmpEchoRepliesSent }
        var before = try replies()
        let settled = try Deadline.waitUntil(seconds: 5, pollingEvery: 0.2) {
            let now = try replies()
            defer { before = now }
            return now == before
        }
        #expect(settled, "h2 kept answering after the client left")
        #expect(before > 0 && before < 100, "\(before) replies")
        usleep(500_000)
        #expect(try replies() == before)
    }
}
