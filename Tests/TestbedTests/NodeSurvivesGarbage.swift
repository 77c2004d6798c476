import Foundation
import Testing
import Testbed
import SmartNIC
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A node must never fall over on what arrives from the network. Here the test plays h2:
/// it owns h2's underlay port, so every datagram comes from the configured peer and reaches
/// the VXLAN, Ethernet, ARP, IPv4 and ICMP parsers instead of the foreign-source filter.
@Suite("a node under random datagrams", .serialized)
struct NodeSurvivesGarbage {
    static let h1MAC = MACAddress(2, 0, 0, 0, 1, 0)
    static let fakeMAC = MACAddress(2, 0, 0, 0, 2, 0)
    static let h1 = IPv4Address(10, 0, 0, 1)
    static let h2 = IPv4Address(10, 0, 0, 2)
    /// This test plays h2.
    static let frames = PeerFrames(nodeMAC: h1MAC, myMAC: fakeMAC, node: h1, me: h2)

    @Test func hundredThousandRandomDatagramsThenPing() throws {
        let run = try TestRun()
        defer { run.finish() }
        let peer = FreePorts.bindUDP(port: run.basePort + 1)
        try #require(peer >= 0)
        defer { close(peer) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        // h1 alone, started as `up` would start it; the test is its peer h2.
        let node = try BackgroundCommand(
            Environment.nicbed,
            ["node", "--topology", Environment.repository.appendingPathComponent("topologies/pair.yaml").path,
             "--name", "h1", "--run-dir", "\(run.root)/pair", "--base-port", String(run.basePort)],
            environment: run.environment, directory: run.root)
        defer { node.stop() }
        try #require(Deadline.waitUntil(seconds: 10) { FileManager.default.fileExists(atPath: "\(run.root)/pair/h1.sock") },
                     "h1 did not open its control socket: \(node.transcript)")

        var random = SeededRandom(seed: 0x6e69_6362_6564)
        let valid = Self.validFrames()
        for index in 0..<100_000 {
            let datagram = Self.garbage(&random, from: valid)
            PeerFrames.send(peer, datagram, to: run.basePort)
            // Pace the burst so the kernel's socket buffer, not the node, is never the one dropping.
            if index % 500 == 499 { usleep(2_000) }
        }
        #expect(node.isRunning, "the node died under random input: \(node.transcript)")

        // Still alive and correct: ARP for h1, then an echo request, each answered.
        var answered = false
        for attempt in 0..<20 where !answered {
            PeerFrames.send(peer, Self.vxlan(Self.frames.arpRequest()), to: run.basePort)
            PeerFrames.send(peer, Self.vxlan(Self.frames.echoRequest(sequence: UInt16(attempt))), to: run.basePort)
            answered = receiveEchoReply(peer, identifier: 0xbeef)
        }
        #expect(answered, "no echo reply after the random datagrams")
        #expect(node.isRunning)

        // The counters show the garbage reached the parsers and was refused there.
        // The node runs without `up`, so there is no run record: talk to its socket directly.
        let stats = try NodeStats.read(socket: "\(run.root)/pair/h1.sock")
        let port = try stats.port("h1:eth0")
        #expect(port.receivedDatagrams > 90_000, "\(port)")
        #expect(port.droppedBadEncapsulation > 1_000, "\(port)")
        #expect(port.droppedWrongVNI > 1_000, "\(port)")
        #expect(stats.stack.droppedMalformed > 1_000, "\(stats.stack)")
        #expect(stats.stack.droppedBadChecksum > 1_000, "\(stats.stack)")
    }

    /// Reads datagrams until an echo reply with our identifier arrives or the socket times out.
    func receiveEchoReply(_ fd: Int32, identifier: UInt16) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<10_000 {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            let found: Bool = buffer.withUnsafeBytes { raw in
                let bytes = UnsafeRawBufferPointer(rebasing: raw[..<count])
                guard let vxlan = try? VXLANHeaderView(checking: bytes),
                      let ethernet = try? EthernetFrameView(checking: vxlan.frame), ethernet.etherType == EtherType.ipv4,
                      let ip = try? IPv4PacketView(checking: ethernet.payload),
                      let icmp = try? ICMPv4MessageView(checking: ip.payload),
                      case let .echoReply(id, _, _)? = try? ICMPv4Repr.parse(icmp) else { return false }
                return id == identifier
            }
            if found { return true }
        }
        return false
    }

    static func vxlan(_ frame: [UInt8], vni: UInt32 = 1) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 8)
        header.withUnsafeMutableBytes { VXLANRepr(vni: vni).emit(into: $0) }
        return header + frame
    }

    /// Well-formed frames to mutate, so random damage lands deep in each parser.
    static func validFrames() -> [[UInt8]] {
        var udp = [UInt8](repeating: 0, count: 14 + 20 + 8 + 16)
        udp.withUnsafeMutableBytes { b in
            EthernetRepr(destination: h1MAC, source: fakeMAC, etherType: EtherType.ipv4).emit(into: b)
            let ip = UnsafeMutableRawBufferPointer(rebasing: b[14...])
            IPv4Repr(source: h2, destination: h1, protocolNumber: IPProtocol.udp, payloadLength: 24).emit(into: ip)
            UDPRepr(sourcePort: 5000, destinationPort: 53, payloadLength: 16).emit(into: UnsafeMutableRawBufferPointer(rebasing: ip[20...]), source: h2, destination: h1)
        }
        return [frames.arpRequest(), frames.echoRequest(sequence: 1), udp]
    }

    static func garbage(_ random: inout SeededRandom, from valid: [[UInt8]]) -> [UInt8] {
        switch random.next() % 4 {
        case 0:
            return (0..<Int(random.next() % 1600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1:
            // Right framing, wrong link: must be dropped by VNI.
            return vxlan(valid[Int(random.next() % 3)], vni: UInt32(2 + random.next() % 1000))
        default:
            var frame = valid[Int(random.next() % UInt64(valid.count))]
            for _ in 0..<(1 + random.next() % 4) {
                let position = Int(random.next() % UInt64(frame.count))
                // Keep the Ethernet header addressed to h1 half the time, so damage lands above it.
                if position < 14 && random.next() % 2 == 0 { continue }
                frame[position] = UInt8(truncatingIfNeeded: random.next())
            }
            if random.next() % 4 == 0 { frame = Array(frame.prefix(Int(random.next() % UInt64(frame.count + 1)))) }
            return vxlan(frame)
        }
    }
}
