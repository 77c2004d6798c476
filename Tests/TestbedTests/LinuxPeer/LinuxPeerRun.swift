import Apps
import Foundation
import Synchronization
import Testbed
import Testing

/// A topology with a Linux node l1 up for one test, `topologies/linux-peer.yaml` unless told:
/// there our host h1 (10.0.1.1, file server, capture on) and the kernel's stack in l1
/// (10.0.1.2) share a link. With the helpers the tests share.
final class LinuxPeerRun {
    static let tools = ["ip", "ethtool", "ping", "curl", "socat", "python3", "tshark", "sha256sum"]
    /// Why the tests cannot run here, or nil when they can.
    static var missing: String? {
        if !Environment.isRoot { return "needs root (network namespaces, veth, VXLAN)" }
        let absent = tools.filter { !Environment.has($0) && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/\($0)") }
        return absent.isEmpty ? nil : "needs \(absent.joined(separator: ", "))"
    }
    static var canRun: Bool { missing == nil || Environment.isCI }

    static let ours = "10.0.1.1"
    static let linux = "10.0.1.2"

    let run: TestRun
    let name: String
    /// l1's address, whose frames may carry the kernel's 0xffff checksum (`CaptureCheck`).
    let linuxAddress: String
    var namespace: String { "nicbed-\(name)-l1" }
    var directory: String { run.root }
    var disk: String { "\(run.root)/\(name)/h1.disk" }
    var capture: String { "\(run.root)/\(name)/h1-eth0.pcap" }

    /// `file` is a topology the test wrote (absolute), named `name`; otherwise a copy of the
    /// shipped one under a name of this run's own. A Linux node's namespace is named after its
    /// topology and node, and namespaces are machine-wide: suites run side by side, and two
    /// runs of one shipped file would meet at `nicbed-linux-peer-l1` (CI saw it happen).
    init(topology name: String = "linux-peer", file: String? = nil, links: Int = 1, linuxAddress: String = LinuxPeerRun.linux) throws {
        self.linuxAddress = linuxAddress
        run = try TestRun(ports: 2 * links)
        let path: String
        if let file {
            self.name = name
            path = file
        } else {
            self.name = "\(name)-\(Self.runs.add(1, ordering: .relaxed).newValue)"
            path = try Self.renamedCopy(of: "topologies/\(name).yaml", as: self.name, in: run.root)
        }
        let up = try run.up(path)
        #expect(up.status == 0, "up failed: \(up.output) \(up.error)")
        guard up.status == 0 else {
            run.finish()
            throw LinuxPeerError.notUp
        }
    }

    /// Numbers the runs of this test process (the topology name allows 24 characters).
    static let runs = Atomic<Int>(0)

    /// The shipped topology with only its `name:` changed, written into `directory`.
    static func renamedCopy(of shipped: String, as name: String, in directory: String) throws -> String {
        let text = try String(contentsOf: Environment.repository.appendingPathComponent(shipped), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix("name:") }, "\(shipped) has no name: line")
        lines[index] = "name: \(name)"
        let copy = "\(directory)/\(name).yaml"
        try lines.joined(separator: "\n").write(toFile: copy, atomically: true, encoding: .utf8)
        return copy
    }

    @discardableResult
    func nicbed(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(Environment.nicbed, arguments, environment: run.environment)
    }

    /// A program run in l1's namespace through `nicbed exec l1 -- …`.
    @discardableResult
    func inLinux(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(Environment.nicbed, ["exec", "l1", "--"] + arguments, environment: run.environment)
    }

    func inBackground(_ arguments: [String]) throws -> BackgroundCommand {
        try run.background(arguments)
    }

    /// Stops the topology (closing the capture) and checks every frame of it in tshark.
    func downAndCheckCapture() throws -> [String] {
        let down = try nicbed("down")
        #expect(down.status == 0, "\(down.output) \(down.error)")
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(namespace)"), "down removes the namespace")
        return try CaptureCheck.problems(in: capture, linux: linuxAddress)
    }

    /// Stops the topology and expects tshark to find nothing wrong in its capture.
    func downExpectingACleanCapture(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let problems = try downAndCheckCapture()
        #expect(problems.isEmpty, "\(problems.prefix(10))", sourceLocation: sourceLocation)
    }

    func finish() {
        run.finish()
        // A test that failed half-way must not leave the namespace to the next one.
        if FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") {
            _ = try? CommandRunner.run("/usr/sbin/ip", ["netns", "del", namespace])
        }
    }

    static func sha256(_ path: String) throws -> String {
        let result = try CommandRunner.run(try #require(Environment.path(of: "sha256sum")), [path])
        guard result.status == 0, result.output.count > 64 else { throw CommandFailure("sha256sum \(path): \(result.error)") }
        return String(result.output.prefix(64))
    }

    /// `size` bytes of the seeded pattern that `tcp-send` sends and `tcp-recv` checks.
    static func patternFile(_ path: String, seed: UInt64, size: Int) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let pattern = PatternStream(seed: seed)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < size {
            let count = min(buffer.count, size - offset)
            buffer.withUnsafeMutableBytes { pattern.fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<count]), offset: offset) }
            try handle.write(contentsOf: buffer[..<count])
            offset += count
        }
        try handle.close()
    }
}

enum LinuxPeerError: Error { case notUp }

/// tshark with checksum validation on every protocol: the frames it finds malformed or with
/// a bad checksum (status 0), and the number of frames it read.
enum CaptureCheck {
    static let validation = ["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    /// Every malformed frame, bad checksum or error-level finding, except one: a TCP checksum
    /// of 0xffff where 0x0000 was due, from Linux. When the kernel computes a checksum in
    /// software (skb_checksum_help, which it must here: see `LinuxNamespace`) and it folds to
    /// zero, it writes 0xffff (CSUM_MANGLED_0, for UDP's sake), the other ones'-complement
    /// zero that every receiver accepts and tshark flags (RFC 1624 §3). About one segment in
    /// 65,536 has it. The exception is for frames from `linux` only: ours must never have it.
    ///
    /// And one finding about payloads, not frames: dissected segment by segment (below), a
    /// segment in the middle of an HTTP body that happens to begin with CR LF (one random
    /// segment in 65,536, so about one run in six of a 16 MiB test) is taken for the start of
    /// a message with a leading CRLF (`http.leading_crlf`, reported as malformed).
    ///
    /// And one about ICMP errors: a router quotes as much of the packet it drops as fits in
    /// 576 bytes (RFC 1812 §4.3.2.3), and tshark checks the quoted TCP or UDP checksum over
    /// what was quoted, a cut segment, so it always finds it "bad". The ICMP message's own
    /// checksum, and its IP header's, are checked like any other.
    static func filter(linux: String) -> String {
        "(_ws.malformed && !http.leading_crlf) || ip.checksum.status == 0 || icmp.checksum.status == 0"
            + " || (udp.checksum.status == 0 && !icmp)"
            + " || ((tcp.checksum.status == 0 || (_ws.expert.severity >= error && !http.leading_crlf))"
            + " && !(tcp.checksum.ffff && ip.src == \(linux)) && !icmp)"
    }

    /// Without a dissector for the payload, tshark would still gather each 100 MB stream
    /// into one growing buffer, which takes time quadratic in the stream's length; per-segment
    /// dissection checks everything these tests check.
    static let perSegment = ["-o", "tcp.desegment_tcp_streams:FALSE"]

    /// Payloads are random bytes, and tshark's heuristic dissectors, tried on any TCP payload
    /// no port claims, sometimes take some for a protocol (Thrift, most often) and report that
    /// "message" malformed at error severity. These tests check Ethernet, IP, ICMP and TCP, not
    /// guesses about payloads, so the bulk port is decoded as plain data and 8000 (python's
    /// http.server) as HTTP, like 80.
    static let payloads = ["-d", "tcp.port==5001,data", "-d", "tcp.port==8000,http"]

    /// tshark with these options, which must succeed: a tshark that cannot read the file or
    /// parse the filter prints nothing on standard output, which would read as "no problem".
    static func tshark(_ arguments: [String]) throws -> CommandResult {
        let result = try CommandRunner.run(try #require(Environment.path(of: "tshark"), "tshark is not installed"),
                                           perSegment + payloads + arguments, seconds: 300)
        guard result.status == 0 else {
            throw CommandFailure("tshark \(arguments.joined(separator: " ")) exited \(result.status): \(result.error)")
        }
        return result
    }

    /// One line per bad frame; empty when all are well. Fails the test if nothing was read.
    static func problems(in pcap: String, linux: String) throws -> [String] {
        let count = try tshark(["-r", pcap, "-T", "fields", "-e", "frame.number"])
        #expect(count.output.split(separator: "\n").count > 0, "\(pcap) holds frames")
        let bad = try tshark(["-r", pcap] + validation + ["-Y", filter(linux: linux), "-T", "fields", "-E", "separator=|",
                                                          "-e", "frame.number", "-e", "frame.len", "-e", "frame.protocols",
                                                          "-e", "ip.src", "-e", "ip.checksum.status", "-e", "tcp.checksum.status",
                                                          "-e", "_ws.expert.message", "-e", "_ws.col.info"])
        let problems = bad.output.split(separator: "\n").map(String.init)
        if !problems.isEmpty {
            // Kept for a post-mortem: the run directory goes when the test ends.
            let kept = "\(FileManager.default.temporaryDirectory.path)/nicbed-failed-\(UUID().uuidString).pcap"
            try? FileManager.default.copyItem(atPath: pcap, toPath: kept)
            return problems + ["capture kept at \(kept)"]
        }
        return problems
    }

    /// The SYNs and SYN-ACKs that carry all four options, as "source flags mss shift" lines.
    static func handshakesWithEveryOption(in pcap: String) throws -> [String] {
        let all = "tcp.flags.syn == 1 && tcp.options.mss_val && tcp.options.wscale.shift && tcp.options.sack_perm && tcp.options.timestamp.tsval"
        let result = try tshark(["-r", pcap, "-Y", all, "-T", "fields", "-E", "separator=/s",
                                 "-e", "ip.src", "-e", "tcp.flags.ack", "-e", "tcp.options.mss_val", "-e", "tcp.options.wscale.shift"])
        return result.output.split(separator: "\n").map(String.init)
    }

    /// How many frames match `filter`.
    static func count(_ filter: String, in pcap: String) throws -> Int {
        try tshark(["-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.number"]).output.split(separator: "\n").count
    }
}
