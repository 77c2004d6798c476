import Foundation
import NetStack
import SmartNIC
import Testing
import Wire
@testable import Apps
import Simulation

/// The file server's answers, request by request, over nicbed's TCP between two stacks in one
/// process: what curl and our own client rely on (PUT, HEAD, Range, the error statuses).
@Suite("file server in simulation", .serialized)
struct FileServerSimulation {
    final class World {
        let net = SimulatedNetwork(seed: 21)
        let server: NetworkStack
        let client: NetworkStack
        let root: String
        let fileServer: FileServer

        init() throws {
            server = net.addHost("server")
            client = net.addHost("client")
            net.link(client, IPv4Interface("10.0.0.2/24")!, server, IPv4Interface("10.0.0.1/24")!,
                     aToB: Impairments(delay: .milliseconds(1)), bToA: Impairments(delay: .milliseconds(1)))
            root = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-fs-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            fileServer = try FileServer(stack: server, port: 80, root: root) { _ in }
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Sends `request` (head and body) on a new connection and returns all the server sent back.
        func exchange(_ request: [UInt8]) throws -> String {
            let connection = try client.connect(to: IPv4Address(10, 0, 0, 1), port: 80)
            var answer: [UInt8] = []
            var offset = 0
            var closed = false
            func pump() {
                while offset < request.count {
                    let sent = request.withUnsafeBytes { connection.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
                    if sent == 0 { break }
                    offset += sent
                }
            }
            connection.onEvent = { event in
                switch event {
                case .connected, .writable: pump()
                case .readable, .endOfStream:
                    connection.readAll(appendingTo: &answer)
                case .closed: closed = true
                }
            }
            net.run(for: .seconds(30), stopWhen: { closed })
            return String(decoding: answer, as: UTF8.self)
        }
    }

    static func request(_ head: String, body: [UInt8] = []) -> [UInt8] {
        Array(head.replacingOccurrences(of: "\n", with: "\r\n").utf8) + body
    }

    @Test func putStoresHeadDescribesGetRangeReturnsAPart() throws {
        let world = try World()
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let put = try world.exchange(Self.request("PUT /dir-less.bin HTTP/1.1\nHost: 10.0.0.1\nContent-Length: 100000\nExpect: 100-continue\n\n", body: body))
        #expect(put.hasPrefix("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"), "\(put.prefix(200))")
        #expect(FileManager.default.contents(atPath: "\(world.root)/dir-less.bin") == Data(body))
        let again = try world.exchange(Self.request("PUT /dir-less.bin HTTP/1.1\nHost: 10.0.0.1\nContent-Length: 3\n\n", body: [1, 2, 3]))
        #expect(again.hasPrefix("HTTP/1.1 204 No Content\r\n"), "\(again.prefix(200))")
        #expect(FileManager.default.contents(atPath: "\(world.root)/dir-less.bin") == Data([1, 2, 3]))

        try Data(body).write(to: URL(fileURLWithPath: "\(world.root)/f.bin"))
        let head = try world.exchange(Self.request("HEAD /f.bin HTTP/1.1\nHost: 10.0.0.1\n\n"))
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.contains("Content-Length: 100000\r\n"), "\(head)")
        #expect(head.hasSuffix("\r\n\r\n"), "HEAD has no body")
        let part = try world.exchange(Self.request("GET /f.bin HTTP/1.1\nHost: 10.0.0.1\nRange: bytes=99990-\n\n"))
        #expect(part.hasPrefix("HTTP/1.1 206 Partial Content\r\n") && part.contains("Content-Range: bytes 99990-99999/100000\r\n"), "\(part)")
        #expect(Array(part.utf8.suffix(10)) == Array(body.suffix(10)))
        let beyond = try world.exchange(Self.request("GET /f.bin HTTP/1.1\nHost: 10.0.0.1\nRange: bytes=100000-\n\n"))
        #expect(beyond.hasPrefix("HTTP/1.1 416 ") && beyond.contains("Content-Range: bytes */100000"), "\(beyond)")
    }

    @Test func errorsHaveTheirStatus() throws {
        let world = try World()
        let cases: [(String, String)] = [
            ("GET /nothing HTTP/1.1\nHost: a\n\n", "404"),
            ("DELETE /f HTTP/1.1\nHost: a\n\n", "405"),
            ("PUT /f HTTP/1.1\nHost: a\n\n", "411"),
            ("GET /../etc/passwd HTTP/1.1\nHost: a\n\n", "403"),
            ("GET /%2e%2e/etc/passwd HTTP/1.1\nHost: a\n\n", "403"),
            ("GET /a%2fb HTTP/1.1\nHost: a\n\n", "400"),
            ("GET / HTTP/1.1\nHost: a\n\n", "40"),
            ("PUT /no/such/dir/f HTTP/1.1\nHost: a\nContent-Length: 1\n\nx", "409"),
            ("GET /f HTTP/2.0\nHost: a\n\n", "505"),
            ("garbage\n\n", "400"),
        ]
        for (request, status) in cases {
            let answer = try world.exchange(Self.request(request))
            #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(request.split(separator: "\n").first ?? ""): \(answer.prefix(120))")
        }
        let counts = world.fileServer.answered
        #expect(counts.keys.allSatisfy { $0 >= 400 }, "\(counts)")
    }

    /// Answers arrive whole when the client sends more than the server asked for (bytes after a
    /// request, a body that was refused), and an error answering HEAD carries no body.
    @Test func unwantedInputNeverCostsTheAnswer() throws {
        let world = try World()
        let body = [UInt8](repeating: 0x61, count: 300_000)
        try Data(body).write(to: URL(fileURLWithPath: "\(world.root)/f.bin"))
        // A request followed by more than the server reads at once (here 100 kB it never asked for).
        let pipelined = try world.exchange(Self.request("GET /f.bin HTTP/1.1\nHost: a\n\n", body: [UInt8](repeating: 0x7a, count: 100_000)))
        #expect(pipelined.hasPrefix("HTTP/1.1 200 OK\r\n") && pipelined.hasSuffix(String(repeating: "a", count: 1000)), "\(pipelined.prefix(100))")
        #expect(pipelined.utf8.count > 300_000, "the whole file arrived: \(pipelined.utf8.count)")
        let refused = try world.exchange(Self.request("PUT /no/dir/x HTTP/1.1\nHost: a\nContent-Length: 200000\n\n", body: [UInt8](repeating: 1, count: 200_000)))
        #expect(refused.hasPrefix("HTTP/1.1 409 "), "\(refused.prefix(100))")
        let head = try world.exchange(Self.request("HEAD /missing HTTP/1.1\nHost: a\n\n"))
        #expect(head.hasPrefix("HTTP/1.1 404 ") && head.hasSuffix("\r\n\r\n"), "HEAD gets no body, errors included: \(head)")
    }
}
