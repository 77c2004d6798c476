import Foundation
import Testing
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// An external node on an `encap: raw` link, played by this test the way QEMU's
/// `-netdev dgram` would: bare Ethernet frames in UDP datagrams, from and to the ports that
/// `nicbed up` prints for it.
@Suite("an external node over raw UDP", .serialized)
struct ExternalNodeOverRawUDP {
    static let guestMAC = MACAddress(2, 0, 0, 0, 2, 0)
    static let hostMAC = MACAddress(2, 0, 0, 0, 1, 0)
    static let host = IPv4Address(10, 0, 1, 1)
    static let guest = IPv4Address(10, 0, 1, 2)
    static let frames = PeerFrames(nodeMAC: hostMAC, myMAC: guestMAC, node: host, me: guest)

    @Test func theGuestIsAnsweredInBareFrames() throws {
        let run = try TestRun(ports: 2)
        defer { run.finish() }
        let up = try run.up("topologies/qemu-guest.yaml")
        #expect(up.status == 0, "\(up.output) \(up.error)")
        let guestPort = run.basePort + 1
        #expect(up.output.contains("-netdev dgram,id=eth0,local.type=inet,local.host=127.0.0.1,local.port=\(guestPort),remote.type=inet,remote.host=127.0.0.1,remote.port=\(run.basePort)"), "\(up.output)")
        #expect(up.output.contains("mac=\(Self.guestMAC)") && up.output.contains("10.0.1.2/24"))
        let status = try run.nicbed("status")
        let guestRow = status.output.split(separator: "\n").first { $0.hasPrefix("g1 ") }.map { $0.split(separator: " ").map(String.init) }
        #expect(guestRow?.prefix(3) == ["g1", "external", "-"] && guestRow?.contains("127.0.0.1:\(guestPort)") == true, "\(status.output)")

        let socket = FreePorts.bindUDP(port: guestPort)
        try #require(socket >= 0)
        defer { close(socket) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var reply: [UInt8]?
        for attempt in 0..<20 where reply == nil {
            PeerFrames.send(socket, Self.frames.arpRequest(), to: run.basePort)
            PeerFrames.send(socket, Self.frames.echoRequest(sequence: UInt16(attempt)), to: run.basePort)
            reply = Self.receiveEchoReply(socket)
        }
        let frame = try #require(reply, "no echo reply in a bare frame")
        // No VXLAN header: the datagram starts with the Ethernet destination, the guest's MAC.
        #expect(Array(frame.prefix(6)) == [2, 0, 0, 0, 2, 0])

        // Our host's own traffic reaches the guest bare as well: h1 learnt the guest's MAC from
        // its ARP request, so its ping comes straight as an echo request.
        let ping = try run.background(["exec", "h1", "ping", "-c", "1", "-W", "1", "10.0.1.2"])
        #expect(Self.receiveEchoRequest(socket), "h1's echo request to the guest, in a bare frame: \(ping.transcript)")
        // The guest (this test) does not answer: ping ends after its one-second wait.
        #expect(try ping.wait(seconds: 10).status == 1)
    }

    /// Datagrams, each a whole frame, until `each` accepts one or `seconds` pass (the socket's
    /// receive timeout only paces the loop: a node process may be slow to start under load).
    static func datagrams(_ fd: Int32, seconds: Double = 5, _ each: ([UInt8]) -> Bool) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 && each(Array(buffer[..<count])) { return true }
        }
        return false
    }

    static func receiveEchoReply(_ fd: Int32) -> [UInt8]? {
        var found: [UInt8]?
        _ = datagrams(fd, seconds: 0.5) { frame in
            let isReply: Bool = frame.withUnsafeBytes { bytes in
                guard let ethernet = try? EthernetFrameView(checking: bytes), ethernet.etherType == EtherType.ipv4,
                      let ip = try? IPv4PacketView(checking: ethernet.payload),
                      let icmp = try? ICMPv4MessageView(checking: ip.payload),
                      case let .echoReply(id, _, _)? = try? ICMPv4Repr.parse(icmp) else { return false }
                return id == PeerFrames.echoIdentifier
            }
            if isReply { found = frame }
            return isReply
        }
        return found
    }

    static func receiveEchoRequest(_ fd: Int32) -> Bool {
        datagrams(fd) { frame in
            frame.withUnsafeBytes { bytes in
                guard let ethernet = try? EthernetFrameView(checking: bytes), ethernet.etherType == EtherType.ipv4,
                      ethernet.destination == guestMAC,
                      let ip = try? IPv4PacketView(checking: ethernet.payload), ip.destination == guest,
                      let icmp = try? ICMPv4MessageView(checking: ip.payload),
                      case .echoRequest? = try? ICMPv4Repr.parse(icmp) else { return false }
                return true
            }
        }
    }
}
