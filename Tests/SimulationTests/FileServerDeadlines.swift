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

        init(limits: FileServerLimits, serverToClient: Impairments = Impairments(delay: .milliseconds(1))) throws {
            server = net.addHost("server")
            client = net.addHost("client")
            net.link(client, IPv4Interface("10.0.0.2/24")!, server, IPv4Interface("10.0.0.1/24")!,
                     aToB: Impairments(delay: .milliseconds(1)), bToA: serverToClient)
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

    @Test func aSlowReaderIsNotIdleWhileTheLastOfItsFileDrains() throws {
        // 256 kB at 200 kbit/s take about 10 s, far past a 2-second idle timeout; the whole
        // file is queued (in the send buffer) long before the end, but every ACK is progress.
        let world = try World(limits: FileServerLimits(idleTimeout: .seconds(2)),
                              serverToClient: Impairments(delay: .milliseconds(1), rate: 200_000))
        FileManager.default.createFile(atPath: "\(world.root)/medium.bin", contents: Data(count: 256 << 10))
        let reader = try World.Client(world, request: "GET /medium.bin HTTP/1.1\r\nHost: s\r\n\r\n")
        world.net.run(for: .seconds(30), stopWhen: { reader.closedAt != nil })
        #expect(reader.connection.error == nil, "\(String(describing: reader.connection.error))")
        #expect(reader.answer.count > 256 << 10 && reader.text.hasPrefix("HTTP/1.1 200 "))
        #expect(world.fileServer.timedOut == 0)
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

/// The fetch client's deadlines, against a server that accepts and then says nothing, and one
/// that stops in the middle of a body.
@Suite("fetch deadlines in simulation", .serialized)
struct FetchDeadlines {
    /// Runs `fetch ARGUMENTS` on the client; returns its error lines, exit status and end time.
    static func fetch(_ arguments: [String], server respond: @escaping (TCPConnection) -> Void) throws -> (String, Int32?, Instant) {
        let outcome = try FetchAnswers.run(arguments, server: respond)
        return (outcome.errors, outcome.status, outcome.at)
    }

    @Test func aServerThatSendsNoResponseHeadIsGivenUpOnAtTheHeadTimeout() throws {
        let (errors, status, at) = try Self.fetch(["--head-timeout", "2"]) { _ in }
        #expect(status == 1)
        #expect(errors.contains("no response head from 10.0.0.1:80 within 2.0 seconds of the request"), "\(errors)")
        #expect(at < .zero + .seconds(3))
    }

    @Test func aServerThatStopsMidBodyIsGivenUpOnAtTheIdleTimeout() throws {
        let (errors, status, at) = try Self.fetch(["--idle-timeout", "3"]) { connection in
            // A head announcing 1,000,000 bytes, 1,000 of them, then silence (the connection stays open).
            let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n"
            _ = connection.send(Array(head.utf8) + [UInt8](repeating: 7, count: 1000))
        }
        #expect(status == 1)
        #expect(errors.contains("no byte from 10.0.0.1:80 for 3.0 seconds after 1000 bytes"), "\(errors)")
        #expect(at < .zero + .seconds(4))
    }

    @Test func badTimeoutsAreRefused() throws {
        let (errors, status, _) = try Self.fetch(["--head-timeout", "0"]) { _ in }
        #expect(status == 2 && errors.contains("--head-timeout needs seconds from 0.1 to 3600"), "\(errors)")
    }
}
