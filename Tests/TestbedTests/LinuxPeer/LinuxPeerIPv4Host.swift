import Foundation
import Testing

/// Our host as a complete IPv4 host, judged by the Linux kernel: fragments both ways, UDP both
/// ways and to a closed port, and path MTU discovery on either side of a link narrower than
/// both ends, through the "fragmentation needed" our router sends.
@Suite("a complete IPv4 host against the Linux kernel", .serialized)
struct LinuxPeerIPv4Host {
    @Test(.enabled(if: LinuxPeerRun.canRun, "\(LinuxPeerRun.missing ?? "")"))
    func fourThousandBytePingsBothWays() throws {
        let peer = try LinuxPeerRun()
        defer { peer.finish() }
        let fromLinux = try peer.inLinux("ping", "-c", "3", "-i", "0.2", "-W", "2", "-s", "4000", LinuxPeerRun.ours)
        #expect(fromLinux.status == 0 && fromLinux.output.contains("3 received"), "\(fromLinux.output) \(fromLinux.error)")
        #expect(fromLinux.output.contains("4008 bytes from \(LinuxPeerRun.ours)"))
        let fromUs = try peer.nicbed("exec", "h1", "ping", "-c", "3", "-i", "0.2", "-s", "4000", LinuxPeerRun.linux)
        #expect(fromUs.status == 0 && fromUs.output.contains("3 received"), "\(fromUs.output) \(fromUs.error)")
        let stats = try peer.run.stats("h1")
        #expect(stats.reassembly?.datagramsReassembled == 6, "3 requests from Linux, 3 replies to ours")
        // Three fragments each for 3 replies to Linux and 3 requests of ours.
        #expect(stats.stack.fragmentsSent == 18)
        try peer.downExpectingACleanCapture()
        // Linux cut each of its 6 datagrams the same way: two fragments with MF, then the last.
        #expect(try CaptureCheck.count("ip.flags.mf == 1 && ip.src == \(LinuxPeerRun.linux)", in: peer.capture) == 12)
    }

    @Test(.enabled(if: LinuxPeerRun.canRun, "\(LinuxPeerRun.missing ?? "")"))
    func udpBothWaysAndToAClosedPort() throws {
        let peer = try LinuxPeerRun()
        defer { peer.finish() }
        // Linux to our echo service and back, small and in fragments.
        let hello = try peer.inLinux("sh", "-c", "echo hello nicbed | socat -t 2 - UDP:\(LinuxPeerRun.ours):7")
        #expect(hello.status == 0 && hello.output == "hello nicbed\n", "\(hello.output) \(hello.error)")
        let sent = "\(peer.directory)/datagram.bin", echoed = "\(peer.directory)/echoed.bin"
        _ = FileManager.default.createFile(atPath: sent, contents: Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        let large = try peer.inLinux("sh", "-c", "socat -t 2 -b 65536 - UDP:\(LinuxPeerRun.ours):7 < \(sent) > \(echoed)")
        #expect(large.status == 0, "\(large.error)")
        #expect(FileManager.default.contents(atPath: echoed) == FileManager.default.contents(atPath: sent), "3,000 bytes came back whole")

        // Ours to Linux: 100 datagrams of 1,000 bytes, then udp-send's three 24-byte end markers.
        let received = "\(peer.directory)/from-us.bin"
        let sink = try peer.inBackground(["exec", "l1", "--", "socat", "-u", "-b", "65536",
                                          "UDP-RECV:5201,bind=\(LinuxPeerRun.linux)", "CREATE:\(received)"])
        #expect(try Deadline.waitUntil(seconds: 10) { try peer.inLinux("ss", "-Hunl", "sport = :5201").output.contains("5201") },
                "socat did not bind: \(sink.transcript)")
        let send = try peer.nicbed("exec", "h1", "udp-send", "-n", "100", "-l", "1000", "-b", "10M", LinuxPeerRun.linux)
        #expect(send.status == 0 && send.output.contains("sent 100 datagrams"), "\(send.output) \(send.error)")
        #expect(Deadline.waitUntil(seconds: 5) { (try? FileManager.default.attributesOfItem(atPath: received)[.size] as? Int) == 100_072 },
                "Linux received \(String(describing: try? FileManager.default.attributesOfItem(atPath: received)[.size]))")
        sink.stop()

        // A closed port: Linux's connected UDP socket hears our port unreachable.
        let refused = try peer.inLinux("sh", "-c", "echo x | socat -t 2 - UDP:\(LinuxPeerRun.ours):9; echo status $?")
        #expect(refused.error.contains("Connection refused"), "\(refused.output) \(refused.error)")
        #expect(try peer.run.stats("h1").udp?.noPort == 1)
        try peer.downExpectingACleanCapture()
    }

    /// l1 - r1 - (MTU 1280) - r2 - h1. Our h1 serves a file to curl: its segments are too big
    /// for the narrow link, r2 says so, and our TCP shrinks them. Then curl uploads one: the
    /// kernel's segments are too big, our r1 says so, and Linux's TCP shrinks them.
    @Test(.enabled(if: LinuxPeerRun.canRun, "\(LinuxPeerRun.missing ?? "")"))
    func tcpBothWaysAcrossALinkNarrowerThanEitherEnd() throws {
        let peer = try LinuxPeerRun(topology: "linux-narrow-path", links: 3, linuxAddress: "10.0.2.2")
        defer { peer.finish() }
        let source = try FilesOverRealProcesses.randomFile(8 << 20)
        defer { try? FileManager.default.removeItem(atPath: source) }
        #expect(try peer.nicbed("cp", source, "h1:/served.bin").status == 0)

        let got = "\(peer.directory)/got.bin"
        let get = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "60", "-o", got, "http://\(LinuxPeerRun.ours)/served.bin")
        #expect(get.status == 0, "\(get.error)")
        #expect(try LinuxPeerRun.sha256(got) == LinuxPeerRun.sha256(source))
        let h1 = try peer.run.stats("h1")
        #expect(h1.stack.pathMTUsLearnt == 1, "h1 learnt the path MTU from r2")
        #expect(try peer.run.stats("r2").stack.droppedTooBig >= 1)

        let put = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "60", "-T", source, "http://\(LinuxPeerRun.ours)/uploaded.bin")
        #expect(put.status == 0, "\(put.error)")
        #expect(try LinuxPeerRun.sha256("\(peer.disk)/uploaded.bin") == LinuxPeerRun.sha256(source))
        let route = try peer.inLinux("ip", "route", "get", LinuxPeerRun.ours)
        #expect(route.output.contains("mtu 1280"), "Linux learnt the path MTU from r1: \(route.output)")
        #expect(try peer.run.stats("r1").stack.droppedTooBig >= 1)

        try peer.downExpectingACleanCapture()
        let routerCapture = "\(peer.directory)/\(peer.name)/r1-eth1.pcap"
        #expect(try CaptureCheck.count("icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1280", in: routerCapture) >= 1)
        #expect(try CaptureCheck.problems(in: routerCapture, linux: "10.0.2.2").isEmpty)
    }
}
