import Foundation
import Testing

/// A complete IPv4 host over real processes: fragments through routers, path MTU discovery
/// through a narrow link, and the UDP apps on a link with loss and jitter set in the topology.
@Suite("a complete IPv4 host over real processes")
struct IPv4HostOverRealProcesses {
    @Test func aLargePingAndTCPCrossALinkNarrowerThanEitherHost() throws {
        let run = try TestRun(ports: 6)
        defer { run.finish() }
        let up = try run.up("topologies/narrow-path.yaml")
        #expect(up.status == 0, "up failed: \(up.output) \(up.error)")

        // 4,008 bytes of ICMP: three fragments from h1, four after r1, reassembled at h2; the
        // same back.
        let ping = try run.nicbed("exec", "h1", "ping", "-c", "3", "-i", "0.2", "-s", "4000", "10.0.2.1")
        #expect(ping.status == 0, "\(ping.output) \(ping.error)")
        #expect(ping.output.components(separatedBy: "4008 bytes from 10.0.2.1").count - 1 == 3, "\(ping.output)")
        let h2 = try run.stats("h2")
        #expect(h2.reassembly?.datagramsReassembled ?? 0 >= 3)
        #expect(try run.stats("r1").stack.datagramsFragmented >= 3)

        // TCP sends full-size segments with DF; r1 answers the first with the next hop's MTU,
        // and the transfer goes on at 1,228 bytes a segment. A second connection starts there.
        var goodputs: [String] = []
        for round in 1...2 {
            let receiver = try run.background(["exec", "h2", "tcp-recv", "-n", "20000000", "--seed", "\(round)"])
            #expect(receiver.waitFor("listening on port 5001"), "\(receiver.output)")
            let send = try run.nicbed("exec", "h1", "tcp-send", "-n", "20000000", "--seed", "\(round)", "10.0.2.1", seconds: 120)
            #expect(send.status == 0, "\(send.output) \(send.error)")
            let received = try receiver.wait(seconds: 60)
            #expect(received.status == 0 && received.output.contains("every byte matches"), "\(received.output) \(received.error)")
            goodputs.append(send.output.split(separator: "\n").last.map(String.init) ?? "")
        }
        print("narrow path, first connection: \(goodputs[0])\nnarrow path, second connection: \(goodputs[1])")
        let h1 = try run.stats("h1")
        #expect(h1.stack.pathMTUsLearnt == 1, "h1 learnt the path's MTU once")
        #expect(h1.stack.icmpErrorsReceived >= 1)
        let r1 = try run.stats("r1")
        #expect(r1.stack.droppedTooBig >= 1 && r1.stack.droppedTooBig <= 64, "only the first flight was too big: \(r1.stack.droppedTooBig)")

        // tshark reassembles the fragments in h1's capture and checks every checksum.
        #expect(try run.nicbed("down").status == 0)
        let capture = "\(run.root)/narrow-path/h1-eth0.pcap"
        #expect(try CaptureCheck.count("ip.flags.mf == 1", in: capture) >= 6)
        #expect(try CaptureCheck.count("icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1280", in: capture) >= 1)
        #expect(try CaptureCheck.problems(in: capture, linux: "0.0.0.0").isEmpty)
    }

    @Test func udpSendAndReceiveMeasureTheLossAndJitterOfTheTopology() throws {
        let run = try TestRun(ports: 2)
        defer { run.finish() }
        #expect(try run.up("topologies/udp-under-loss.yaml").status == 0)
        // Neighbours first, as iperf3's control connection does: with 2% loss a lost ARP
        // exchange costs a second (its retry time) of datagrams that never left h1.
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "2", "-i", "0.2", "10.0.1.2").status == 0)
        let receiver = try run.background(["exec", "h2", "udp-recv", "-p", "5201"])
        #expect(receiver.waitFor("listening on UDP port 5201"), "\(receiver.output)")
        let send = try run.nicbed("exec", "h1", "udp-send", "-b", "10M", "-t", "4", "10.0.1.2", seconds: 60)
        #expect(send.status == 0, "\(send.output) \(send.error)")
        #expect(send.output.contains("sent 357"), "10 Mbit/s of 1,400-byte datagrams for 4 s: \(send.output)")
        let received = try receiver.wait(seconds: 30)
        #expect(received.status == 0, "\(received.output) \(received.error)")
        let summary = received.output.split(separator: "\n").first { $0.hasPrefix("udp-recv: ") }.map(String.init) ?? ""
        print(summary)
        let loss = Self.number(after: "lost (", in: summary)
        let jitter = Self.number(after: "jitter ", in: summary)
        // 2% of about 3,570 datagrams: a standard deviation of 0.23 points.
        #expect(loss.map { $0 > 1 && $0 < 3.5 } == true, "\(summary)")
        // ±1 ms of jitter each way: RFC 3550's J comes out near half a millisecond or more.
        #expect(jitter.map { $0 > 0.1 && $0 < 5 } == true, "\(summary)")
    }

    static func number(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }
}
