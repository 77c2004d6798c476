import Apps
@testable import NetStack
import Simulation
import SmartNIC
import Testing
import Wire

/// The UDP apps over simulated links: the echo service, and `udp-send`/`udp-recv`'s figures
/// under the loss, duplication, reordering and jitter a link is given.
@Suite("UDP apps in simulation")
struct UDPAppsSimulation {
    static func pair(_ impairments: Impairments, nic: NICConfiguration = .conventional, seed: UInt64 = 11)
        -> (SimulatedNetwork, NetworkStack, NetworkStack) {
        let net = SimulatedNetwork(seed: seed)
        net.nic = nic
        let a = net.addHost("a"), b = net.addHost("b")
        net.link(a, IPv4Interface("10.0.0.1/24")!, b, IPv4Interface("10.0.0.2/24")!, aToB: impairments, bToA: impairments)
        return (net, a, b)
    }

    @Test("the echo service sends every datagram back as it came, on either NIC", arguments: NICMode.allCases)
    func echo(mode: NICMode) throws {
        let (net, a, b) = Self.pair(Impairments(delay: .milliseconds(1)), nic: NICConfiguration(mode: mode, checksumOffload: true))
        let service = try UDPEchoService(stack: b)
        let client = try a.bindUDP()
        var answers: [[UInt8]] = []
        client.onReadable = {
            var buffer = [UInt8](repeating: 0, count: 65_535)
            while let got = buffer.withUnsafeMutableBytes({ client.receive(into: $0) }) {
                #expect(got.source == IPv4Address(10, 0, 0, 2) && got.sourcePort == 7)
                answers.append(Array(buffer[..<got.length]))
            }
        }
        let sent: [[UInt8]] = [[], Array("hello".utf8), [UInt8](repeating: 0xa5, count: 1472), (0..<5000).map { UInt8($0 & 0xff) }]
        for datagram in sent { try client.send(datagram, to: IPv4Address(10, 0, 0, 2), port: 7) }
        net.run(for: .seconds(1))
        #expect(answers == sent)
        #expect(service.echoed == 4)
    }

    /// Runs udp-send for `seconds` at `rate` and returns the receiver's figures.
    static func measure(_ impairments: Impairments, rate: Int = 20_000_000, seconds: Int = 2, seed: UInt64 = 11) throws -> UDPReceiveStatistics {
        let (net, a, b) = Self.pair(impairments, seed: seed)
        let receiver = try UDPReceiver(stack: b, timers: net.timers, port: 5201)
        var options = UDPSender.Options(destination: IPv4Address(10, 0, 0, 2))
        options.bitsPerSecond = rate
        options.duration = .seconds(seconds)
        var finished: (Int, Int)?
        let sender = try UDPSender(stack: a, timers: net.timers, options: options) { event in
            if case let .finished(sent, refused) = event { finished = (sent, refused) }
        }
        net.run(for: .seconds(seconds + 10), stopWhen: { receiver.isDone && finished != nil })
        sender.stop()
        #expect(receiver.isDone)
        #expect(finished?.1 == 0)
        // The end marker carries the sender's count, which is what the loss is measured against.
        #expect(receiver.statistics.expected == finished?.0)
        return receiver.statistics
    }

    @Test("a clean link: nothing lost, nothing out of order, no jitter, at the rate asked")
    func clean() throws {
        let statistics = try Self.measure(Impairments(delay: .milliseconds(5)))
        // 20 Mbit/s of 1,400-byte datagrams for 2 s.
        #expect(abs(statistics.expected - 3572) <= 2)
        #expect(statistics.lost == 0 && statistics.duplicates == 0 && statistics.outOfOrder == 0)
        #expect(statistics.jitterMilliseconds < 0.001)
    }

    @Test("2% loss on the link is measured as about 2%")
    func loss() throws {
        let statistics = try Self.measure(Impairments(delay: .milliseconds(5), loss: 0.02))
        #expect(statistics.lossPercent > 1.3 && statistics.lossPercent < 2.7, "\(statistics.summary)")
    }

    @Test("jitter on the link shows as jitter, and reorders datagrams")
    func jitter() throws {
        let statistics = try Self.measure(Impairments(delay: .milliseconds(10), jitter: .milliseconds(2)))
        // Uniform jitter of ±2 ms: the mean |D| of two draws is about 1.3 ms.
        #expect(statistics.jitterMilliseconds > 0.5 && statistics.jitterMilliseconds < 2.5, "\(statistics.summary)")
        #expect(statistics.lost == 0)
    }

    @Test("duplicates and reordering on the link are counted")
    func duplicatesAndReordering() throws {
        let statistics = try Self.measure(Impairments(delay: .milliseconds(5), duplicate: 0.05, reorder: 0.05))
        let expected = Double(statistics.expected)
        #expect(Double(statistics.duplicates) > 0.03 * expected && Double(statistics.duplicates) < 0.07 * expected, "\(statistics.summary)")
        #expect(statistics.outOfOrder > 0, "\(statistics.summary)")
        #expect(statistics.lost == 0)
    }

    @Test("a datagram from a broadcast source is dropped, on the card's header-split path too", arguments: NICMode.allCases)
    func broadcastSourceIsDropped(mode: NICMode) throws {
        let (net, a, b) = Self.pair(Impairments(delay: .milliseconds(1)), nic: NICConfiguration(mode: mode, checksumOffload: true))
        let socket = try b.bindUDP(port: 9000)
        for source in [IPv4Address.broadcast, IPv4Address(10, 0, 0, 1)] {
            _ = a.sendIPv4(to: IPv4Address(10, 0, 0, 2), from: source, protocolNumber: IPProtocol.udp, payloadLength: 12) { bytes, _ in
                UDPRepr(sourcePort: 7, destinationPort: 9000, payloadLength: 4).emitHeader(into: bytes)
            }
            net.run(for: .milliseconds(50))
        }
        // Only the one from a host address arrived (a zero checksum is "none", RFC 768).
        #expect(socket.queuedDatagrams == 1)
        #expect(b.counters.droppedMartian == 1)
    }
}
