import Foundation
import NetStack
import SmartNIC
import Testing
import Topology
import Wire
@testable import Apps
import Simulation

/// The file server's deadlines and session cap (FileServerLimits), under virtual time: a
/// client that sends no request hears 408, one that stops reading is closed, one too many
/// hears 503, and a well-behaved one is served throughout.
@Suite("file server deadlines in simulation", .serialized)
struct FileServerDeadlines {
    final class World {
        let net = SimulatedNetwork(seed: 23)
        let server: NetworkStack, client: NetworkStack
        let root: String
        let fileServer: FileServer

        init(limits: FileServerLimits) throws {
            server = net.addHost("server")
            client = net.addHost("client")
            net.link(client, IPv4Interface("10.0.0.2/24")!, server, IPv4Interface("10.0.0.1/24")!,
                     aToB: Impairments(delay: .milliseconds(1)), bToA: Impairments(delay: .milliseconds(1)))
            root = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-deadlines-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: "\(root)/big.bin", contents: Data(count: 8 << 20))
            FileManager.default.createFile(atPath: "\(root)/small.bin", contents: Data("hello\n".utf8))
            fileServer = try FileServer(stack: server, port: 80, root: root, limits: limits, timers: net.timers) { _ in }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// A client connection that sends `request` (nothing when nil), reads everything when
        /// `reads`, and keeps what came back and when it closed.
        final class Client {
            let connection: TCPConnection
            var answer: [UInt8] = []
            var closedAt: Instant?
            var text: String { String(decoding: answer, as: UTF8.self) }

            init(_ world: World, request: String?, reads: Bool = true) throws {
                connection = try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 80)
                var buffer = [UInt8](repeating: 0, count: 65_536)
                connection.onEvent = { [unowned self, unowned world] event in
                    switch event {
                    case .connected: if let request { _ = self.connection.send(Array(request.utf8)) }
                    case .readable, .endOfStream:
                        guard reads else { return }
                        while true {
                            let count = buffer.withUnsafeMutableBytes { self.connection.receive(into: $0) }
                            if count == 0 { break }
                            self.answer += buffer[..<count]
                        }
                        if self.connection.isEndOfStream { self.connection.close() }
                    case .closed: self.closedAt = world.net.now
                    case .writable: break
                    }
                }
            }
        }
    }

    @Test func aClientThatSendsNoRequestHears408AfterTheHeadTimeout() throws {
        let world = try World(limits: FileServerLimits(headTimeout: .seconds(10)))
        let silent = try World.Client(world, request: nil)
        world.net.run(for: .seconds(9))
        #expect(silent.closedAt == nil && silent.answer.isEmpty)
        world.net.run(for: .seconds(3), stopWhen: { silent.closedAt != nil })
        #expect(silent.text.hasPrefix("HTTP/1.1 408 "), "\(silent.text)")
        #expect(silent.closedAt.map { $0 < .zero + .seconds(12) } == true)
        #expect(world.fileServer.timedOut == 1 && world.fileServer.sessionCount == 0)
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheIdleTimeoutWhileOthersAreServed() throws {
        let world = try World(limits: FileServerLimits(idleTimeout: .seconds(5)))
        let stalled = try World.Client(world, request: "GET /big.bin HTTP/1.1\r\nHost: s\r\n\r\n", reads: false)
        world.net.run(for: .seconds(1))
        // Its window is full: nothing moves. Meanwhile another client is served at once.
        let other = try World.Client(world, request: "GET /small.bin HTTP/1.1\r\nHost: s\r\n\r\n")
        world.net.run(for: .seconds(1), stopWhen: { other.closedAt != nil })
        #expect(other.text.hasPrefix("HTTP/1.1 200 ") && other.text.hasSuffix("hello\n"))
        world.net.run(for: .seconds(6), stopWhen: { stalled.closedAt != nil })
        #expect(stalled.closedAt != nil, "the stalled session was not closed")
        #expect(stalled.connection.error == .reset)
        #expect(world.fileServer.timedOut == 1 && world.fileServer.sessionCount == 0)
    }

    @Test func oneSessionBeyondTheCapHears503() throws {
        let world = try World(limits: FileServerLimits(sessions: 2))
        let first = try World.Client(world, request: nil), second = try World.Client(world, request: nil)
        world.net.run(for: .milliseconds(100))
        let third = try World.Client(world, request: "GET /small.bin HTTP/1.1\r\nHost: s\r\n\r\n")
        world.net.run(for: .seconds(1), stopWhen: { third.closedAt != nil })
        #expect(third.text.hasPrefix("HTTP/1.1 503 "), "\(third.text)")
        #expect(first.closedAt == nil && second.closedAt == nil)
        // Once one leaves, a new client is served again.
        first.connection.close()
        world.net.run(for: .milliseconds(100))
        let fourth = try World.Client(world, request: "GET /small.bin HTTP/1.1\r\nHost: s\r\n\r\n")
        world.net.run(for: .seconds(1), stopWhen: { fourth.closedAt != nil })
        #expect(fourth.text.hasPrefix("HTTP/1.1 200 "), "\(fourth.text)")
    }
}
