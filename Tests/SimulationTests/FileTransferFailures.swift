import Foundation
import NetStack
import SmartNIC
import Testing
import Wire
@testable import Apps
import Simulation

/// Uploads and downloads that go wrong half-way, on the server's side and on fetch's: the
/// answer each gets, and what is left on disk.
@Suite("file transfers that go wrong, in simulation", .serialized)
struct FileTransferFailures {
    typealias World = FileServerSimulation.World

    /// Opens a connection from the client, sends `bytes`, then runs `then` on it once they
    /// are out; returns what the server answered and how the connection ended.
    static func upload(_ world: World, _ bytes: [UInt8], then: @escaping (TCPConnection) -> Void) throws -> (String, TCPError?) {
        let connection = try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 80)
        var answer: [UInt8] = []
        var ended: TCPError?? = nil
        var offset = 0, handedOver = false
        func pump() {
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { connection.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                if sent == 0 { return }
                offset += sent
            }
            if !handedOver && connection.unacknowledgedBytes == 0 {
                handedOver = true
                then(connection)
            }
        }
        connection.onEvent = { event in
            switch event {
            case .connected, .writable: pump()
            case .readable, .endOfStream:
                connection.readAll(appendingTo: &answer)
            case let .closed(error): ended = .some(error)
            }
        }
        // Once everything is acknowledged, the test's `then` runs.
        world.net.run(for: .seconds(30), stopWhen: {
            if !handedOver && offset == bytes.count && connection.unacknowledgedBytes == 0 { pump() }
            return ended != nil
        })
        return (String(decoding: answer, as: UTF8.self), ended ?? nil)
    }

    static func put(_ path: String, announcing length: Int, sending count: Int) -> [UInt8] {
        Array("PUT \(path) HTTP/1.1\r\nHost: s\r\nContent-Length: \(length)\r\n\r\n".utf8) + [UInt8](repeating: 0x5a, count: count)
    }

    static func diskEntries(_ world: World) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: world.root)) ?? []).sorted()
    }

    @Test func aPUTCutShortIsAnswered400AndLeavesTheDestinationAsItWas() throws {
        let world = try World()
        FileManager.default.createFile(atPath: "\(world.root)/kept.bin", contents: Data("old\n".utf8))
        let (answer, _) = try Self.upload(world, Self.put("/kept.bin", announcing: 10_000, sending: 3_000)) { $0.shutdown() }
        #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer)")
        #expect(answer.contains("fewer bytes than Content-Length"))
        #expect(Self.diskEntries(world) == ["kept.bin"], "the temporary file is gone")
        #expect(FileManager.default.contents(atPath: "\(world.root)/kept.bin") == Data("old\n".utf8))
    }

    @Test func aPUTResetMidUploadLeavesNoTemporaryFileAndNoDestination() throws {
        let world = try World()
        let (_, error) = try Self.upload(world, Self.put("/new.bin", announcing: 100_000, sending: 30_000)) { $0.abort() }
        #expect(error == .aborted)
        world.net.run(for: .seconds(1))
        #expect(Self.diskEntries(world).isEmpty, "\(Self.diskEntries(world))")
    }

    @Test func aFileThatShrinksDuringAGETCutsTheConnectionRatherThanLying() throws {
        let world = try World()
        let path = "\(world.root)/shrinking.bin"
        FileManager.default.createFile(atPath: path, contents: Data(count: 4 << 20))
        let request = Array("GET /shrinking.bin HTTP/1.1\r\nHost: s\r\n\r\n".utf8)
        var truncated = false
        // The file is cut to 1 MiB once 100 kB of the answer have arrived.
        let connection = try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 80)
        var received = 0, buffer = [UInt8](repeating: 0, count: 65_536)
        var ended: TCPError?? = nil
        connection.onEvent = { event in
            switch event {
            case .connected: _ = connection.send(request)
            case .readable, .endOfStream:
                while true {
                    let count = buffer.withUnsafeMutableBytes { connection.receive(into: $0) }
                    if count == 0 { break }
                    received += count
                    if !truncated && received > 100_000 {
                        truncated = true
                        truncate(path, 1 << 20)
                    }
                }
                if connection.isEndOfStream { connection.close() }
            case let .closed(error): ended = .some(error)
            case .writable: break
            }
        }
        world.net.run(for: .seconds(30), stopWhen: { ended != nil })
        #expect(truncated)
        // The head promised 4 MiB; the body stops short and the connection is reset, so the
        // client knows it got less than it was told (a clean close would pass for the end).
        #expect(ended == .some(.reset))
        #expect(received < 4 << 20)
    }
}
