import Foundation
import Testing

/// The frames our stack puts on the wire, judged by a decoder nobody here wrote.
@Suite("tshark reads our captures", .serialized)
struct CaptureDecodesInTshark {
    static let checks = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    static let problems = "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || icmp.checksum.status == 0"

    static func tshark(_ arguments: [String]) throws -> CommandResult { try CaptureCheck.tshark(arguments) }

    /// Protocols, and IP/ICMP checksum verdicts (1 = good), one line per frame.
    static func dissect(_ pcap: String) throws -> [String] {
        let result = try tshark(["-r", pcap] + checks + ["-T", "fields", "-e", "frame.protocols", "-e", "ip.checksum.status", "-e", "icmp.checksum.status"])
        return result.output.split(separator: "\n").map(String.init)
    }

    static func problemFrames(_ pcap: String) throws -> String {
        try tshark(["-r", pcap] + checks + ["-Y", problems]).output
    }

    @Test(.enabled(if: Environment.has("tshark") || Environment.isCI, "needs tshark (apt-get install tshark)"))
    func pingCaptureHasNoMalformedFrameAndNoBadChecksum() throws {
        let run = try TestRun()
        defer { run.finish() }
        let up = try run.up("topologies/pair.yaml", ["--capture"])
        #expect(up.status == 0, "\(up.output) \(up.error)")
        let ping = try run.nicbed("exec", "h1", "ping", "-c", "5", "-i", "0.1", "10.0.0.2")
        #expect(ping.status == 0)
        #expect(try run.nicbed("down").status == 0)

        for node in ["h1", "h2"] {
            let pcap = "\(run.root)/pair/\(node)-eth0.pcap"
            let frames = try Self.dissect(pcap)
            // ARP request and reply, then five requests and five replies.
            #expect(frames.count == 12, "\(node): \(frames)")
            #expect(frames.filter { $0.hasPrefix("eth:ethertype:arp") }.count == 2)
            let icmp = frames.filter { $0.hasPrefix("eth:ethertype:ip:icmp") }
            #expect(icmp.count == 10)
            #expect(icmp.allSatisfy { $0.hasSuffix("\t1\t1") }, "checksum verdicts: \(icmp)")
            #expect(try Self.problemFrames(pcap).isEmpty)
        }
    }

    /// The check above must be able to fail: damage one IP header and tshark must say so.
    @Test(.enabled(if: Environment.has("tshark") || Environment.isCI, "needs tshark (apt-get install tshark)"))
    func aDamagedChecksumIsCaught() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml", ["--capture"]).status == 0)
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.0.2").status == 0)
        #expect(try run.nicbed("down").status == 0)
        let pcap = "\(run.root)/pair/h1-eth0.pcap"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pcap)))
        // Records: 24-byte file header, then 16-byte record headers; frames 1 and 2 are ARP (60 bytes).
        let thirdFrame = 24 + 2 * (16 + 60) + 16
        bytes[thirdFrame + 14 + 8] ^= 0x01 // TTL of the first echo request, checksum now wrong
        let damaged = "\(run.root)/damaged.pcap"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        #expect(!(try Self.problemFrames(damaged)).isEmpty)
    }

    /// The checks above must be able to fail when tshark itself does: an unreadable capture or a
    /// filter tshark cannot parse is an error, never "no problem found".
    @Test(.enabled(if: Environment.has("tshark") || Environment.isCI, "needs tshark (apt-get install tshark)"))
    func aFailingTsharkFailsTheCheck() throws {
        let missing = "\(FileManager.default.temporaryDirectory.path)/absent-\(UUID().uuidString).pcap"
        #expect(throws: CommandFailure.self) { try CaptureCheck.count("tcp", in: missing) }
        #expect(throws: CommandFailure.self) { try CaptureCheck.problems(in: missing, linux: "10.0.1.2") }
        #expect(throws: CommandFailure.self) { try Self.problemFrames(missing) }
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/pair.yaml", ["--capture"]).status == 0)
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.0.2").status == 0)
        #expect(try run.nicbed("down").status == 0)
        let pcap = "\(run.root)/pair/h1-eth0.pcap"
        #expect(try CaptureCheck.count("icmp", in: pcap) == 2)
        #expect(throws: CommandFailure.self) { try CaptureCheck.count("icmp == == 1", in: pcap) }
    }
}
