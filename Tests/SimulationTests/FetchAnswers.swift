import Foundation
import NetStack
import SmartNIC
import Testing
import Wire
@testable import Apps
import Simulation

/// fetch against answers a real server may give: a part that does not continue the file, more
/// than was announced, a whole file in answer to a resume, and no Content-Length at all.
@Suite("fetch against odd answers, in simulation", .serialized)
struct FetchAnswers {
    struct Outcome {
        var errors = ""
        var status: Int32?
        var file: [UInt8]?
        /// The virtual time fetch ended at.
        var at = Instant.zero
    }

    /// Runs `fetch ARGUMENTS 10.0.0.1 /f /f` on a client with `local` already on its disk,
    /// against a server whose listener hands each connection to `respond`.
    static func run(_ arguments: [String], local: [UInt8]? = nil, server respond: @escaping (TCPConnection) -> Void) throws -> Outcome {
        let net = SimulatedNetwork(seed: 31)
        let server = net.addHost("server"), client = net.addHost("client")
        net.link(client, IPv4Interface("10.0.0.2/24")!, server, IPv4Interface("10.0.0.1/24")!,
                 aToB: Impairments(delay: .milliseconds(1)), bToA: Impairments(delay: .milliseconds(1)))
        let listener = try server.listen(port: 80)
        listener.onAcceptable = {
            while let connection = listener.accept() { respond(connection) }
        }
        let disk = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-fetch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: disk) }
        if let local { FileManager.default.createFile(atPath: "\(disk)/f", contents: Data(local)) }
        var outcome = Outcome()
        let context = CommandContext(stack: client, timers: net.timers, ports: client.interfaces.map(\.port), disk: disk,
                                     capturePath: { _ in "" }) { output in
            switch output {
            case let .error(line): outcome.errors += line + "\n"
            case let .exit(code): outcome.status = code
            case .output: break
            }
        }
        NodeCommands.run(["fetch"] + arguments + ["10.0.0.1", "/f", "/f"], in: context)
        net.run(for: .seconds(120), stopWhen: { outcome.status != nil })
        outcome.file = FileManager.default.contents(atPath: "\(disk)/f").map { Array($0) }
        outcome.at = net.now
        return outcome
    }

    /// A server that reads the request, sends `answer`, and half-closes.
    static func fetch(_ arguments: [String], local: [UInt8]? = nil, answer: [UInt8]) throws -> Outcome {
        try run(arguments, local: local) { connection in
            var buffer = [UInt8](repeating: 0, count: 4096)
            var answered = false
            connection.onEvent = { event in
                guard case .readable = event, !answered else { return }
                while buffer.withUnsafeMutableBytes({ connection.receive(into: $0) }) > 0 {}
                answered = true
                _ = connection.send(answer)
                connection.shutdown()
            }
        }
    }

    static func head(_ status: String, _ fields: [String]) -> [UInt8] {
        Array((["HTTP/1.1 \(status)"] + fields + ["", ""]).joined(separator: "\r\n").utf8)
    }

    static let local = [UInt8](repeating: 1, count: 100)

    @Test func a206ThatDoesNotContinueTheLocalFileIsRefused() throws {
        let answer = Self.head("206 Partial Content", ["Content-Range: bytes 50-99/200", "Content-Length: 50"]) + [UInt8](repeating: 2, count: 50)
        let outcome = try Self.fetch(["--resume"], local: Self.local, answer: answer)
        #expect(outcome.status == 1)
        #expect(outcome.errors.contains("a part that does not continue the local file (Content-Range bytes 50-99/200)"), "\(outcome.errors)")
        #expect(outcome.file == Self.local, "the local file is untouched")
    }

    @Test func aServerThatSendsMoreThanItAnnouncedIsAnError() throws {
        let answer = Self.head("200 OK", ["Content-Length: 10"]) + [UInt8](repeating: 3, count: 20)
        let outcome = try Self.fetch([], answer: answer)
        #expect(outcome.status == 1)
        #expect(outcome.errors.contains("the server sent more than the 10 bytes it announced"), "\(outcome.errors)")
    }

    @Test func a200ToAResumeReplacesTheFileFromTheStart() throws {
        let whole = (0..<300).map { UInt8($0 & 0xff) }
        let answer = Self.head("200 OK", ["Content-Length: 300"]) + whole
        let outcome = try Self.fetch(["--resume"], local: Self.local, answer: answer)
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.file == whole)
    }

    @Test func noContentLengthMeansTheBodyEndsWithTheConnection() throws {
        let body = (0..<5000).map { UInt8(($0 * 7) & 0xff) }
        let answer = Self.head("200 OK", ["Connection: close"]) + body
        let outcome = try Self.fetch([], answer: answer)
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(outcome.file == body)
    }
}
