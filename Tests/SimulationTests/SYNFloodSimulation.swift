import Foundation
@testable import NetStack
import SmartNIC
import Testing
import Wire
import Apps
import Simulation

/// A listener under a SYN flood (RFC 4987): 20,000 SYNs in 35 s from one peer that never
/// completes a handshake (its TCP does not answer, as a forged source would not). With SYN
/// cookies a new client completes its handshake and downloads a file within a second during
/// the flood and after it; without them it cannot.
@Suite("SYN flood in simulation", .serialized)
struct SYNFloodSimulation {
    final class World {
        let net = SimulatedNetwork(seed: 41)
        let server: NetworkStack, client: NetworkStack, attacker: NetworkStack
        let root: String
        let fileServer: FileServer
        let file = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        static let serverAddress = IPv4Address(10, 0, 0, 1)

        init(cookies: Bool) throws {
            server = net.addHost("server")
            client = net.addHost("client")
            attacker = net.addHost("attacker")
            server.tcpConfiguration.synCookies = cookies
            let lan = net.addSwitch("s1")
            let delay = Impairments(delay: .milliseconds(1))
            net.link(server, IPv4Interface("10.0.0.1/24")!, to: lan, impairments: delay)
            net.link(client, IPv4Interface("10.0.0.2/24")!, to: lan, impairments: delay)
            net.link(attacker, IPv4Interface("10.0.0.66/24")!, to: lan, impairments: delay)
            // The attacker's TCP hears nothing (its SYN-ACKs go unanswered, no RST frees the
            // server's half-open connections); ARP still works, so its SYNs keep coming.
            let port = attacker.interfaces[0].port
            let deliver = port.deliver
            port.deliver = { packet in
                guard packet.head.count < 24 || packet.head[23] != IPProtocol.tcp else { return }
                deliver(&packet)
            }
            root = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-flood-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: "\(root)/file.bin", contents: Data(file))
            fileServer = try FileServer(stack: server, port: 80, root: root) { _ in }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Sends `count` SYNs from successive source ports, evenly over `duration`, with the
        /// options Linux puts in a SYN.
        func flood(count: Int, over duration: Duration) {
            let start = net.now
            var sent = 0
            func tick() {
                let due = min(count, Int(Double(net.now.since(start).nanosecondsValue) / Double(duration.nanosecondsValue) * Double(count)) + 1)
                while sent < due {
                    var options = TCPOptions(maximumSegmentSize: 1460)
                    options.windowScale = 7
                    options.sackPermitted = true
                    options.timestamps = (UInt32(sent), 0)
                    let syn = TCPHeaderRepr(sourcePort: UInt16(20_000 + sent % 40_000), destinationPort: 80,
                                            sequenceNumber: UInt32(sent) &* 2_654_435_761, flags: [.syn], window: 64_240, options: options)
                    attacker.sendTCP(syn, payloadLength: 0, from: IPv4Address(10, 0, 0, 66), to: World.serverAddress) { _ in }
                    sent += 1
                }
                if sent < count { net.timers.schedule(at: net.now + .milliseconds(1), tick) }
            }
            tick()
        }

        /// A GET of the file from the client: how long it took (virtual time), and whether the
        /// bytes were the file's.
        func download(within limit: Duration) throws -> (Duration, Bool) {
            let started = net.now
            let connection = try client.connect(to: World.serverAddress, port: 80)
            let request = Array("GET /file.bin HTTP/1.1\r\nHost: server\r\n\r\n".utf8)
            var answer: [UInt8] = []
            var done = false
            connection.onEvent = { event in
                switch event {
                case .connected: _ = connection.send(request)
                case .readable, .endOfStream:
                    connection.readAll(appendingTo: &answer)
                case .closed: done = true
                case .writable: break
                }
            }
            net.run(for: limit, stopWhen: { done })
            let elapsed = net.now.since(started)
            if !done { connection.abort() }
            let ok = done && answer.count >= file.count && Array(answer.suffix(file.count)) == file
            return (elapsed, ok)
        }
    }

    @Test func withCookiesANewClientIsServedWithinASecondDuringAndAfterTheFlood() throws {
        let world = try World(cookies: true)
        world.flood(count: 20_000, over: .seconds(35))
        var times: [Duration] = []
        for at in [5, 20, 34] {
            world.net.run(until: .zero + .seconds(at))
            let (elapsed, ok) = try world.download(within: .seconds(1))
            #expect(ok, "download at \(at) s")
            times.append(elapsed)
        }
        world.net.run(until: .zero + .seconds(40))
        let after = try world.download(within: .seconds(1))
        #expect(after.1, "download after the flood")
        times.append(after.0)
        let counters = world.server.tcpCounters
        print("SYN flood: downloads took \(times.map { "\(Double($0.nanosecondsValue) / 1e6) ms" }), \(counters.synCookiesSent) cookies sent, \(counters.synCookiesValidated) validated, \(counters.listenOverflows) accept-queue drops; \(world.server.tcpConnectionCount) connections held")
        #expect(times.allSatisfy { $0 < .seconds(1) })
        // Everything beyond the 64 half-open connections was answered with a cookie, and the
        // server kept no state for those: its connections stay near the backlog.
        #expect(counters.synCookiesSent > 19_000)
        #expect(counters.synCookiesValidated >= 1)
        #expect(world.server.tcpConnectionCount < 100)
    }

    @Test func withoutCookiesTheSameFloodLocksANewClientOut() throws {
        let world = try World(cookies: false)
        world.flood(count: 20_000, over: .seconds(35))
        world.net.run(until: .zero + .seconds(20))
        let (_, ok) = try world.download(within: .seconds(1))
        #expect(!ok, "the half-open queue was full: the client's SYN went unanswered")
        #expect(world.server.tcpCounters.synQueueDrops > 19_000 / 2)
    }
}
