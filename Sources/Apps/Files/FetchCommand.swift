import Foundation
import NetStack
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// `fetch [--resume] [-p PORT] ADDRESS REMOTE_PATH LOCAL_PATH`: downloads a file from another
/// host's file server over nicbed's TCP into this host's disk (what `nicbed cp NODE:/a NODE:/b`
/// runs on the destination). With `--resume` it asks only for what the local file lacks
/// (`Range: bytes=N-`). Progress once a second; the last line gives size, time and goodput.
/// A path that goes silent is noticed by TCP keep-alive within seconds, not minutes; a server
/// that is there but silent, by two deadlines: its response head must come within
/// `--head-timeout` (10 s) of the request, and no stretch of the body may pass `--idle-timeout`
/// (60 s) without a byte.
enum FetchCommand: NodeCommand {
    static let name = "fetch"
    static let usage = "fetch [--resume] [-p PORT] [--head-timeout SECONDS] [--idle-timeout SECONDS] ADDRESS REMOTE_PATH LOCAL_PATH"

    struct Options {
        var resume = false
        var port: UInt16 = 80
        var address: IPv4Address?
        var remote: String?
        var local: String?
        var headTimeout: Duration = .seconds(10)
        var idleTimeout: Duration = .seconds(60)
    }

    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--resume": options.resume = true
            case "-p", "--port":
                index += 1
                guard index < arguments.count, let port = UInt16(arguments[index]), port > 0 else {
                    return .failure(UsageError("--port needs a port from 1 to 65535"))
                }
                options.port = port
            case "--head-timeout", "--idle-timeout":
                index += 1
                guard index < arguments.count, let seconds = Double(arguments[index]), seconds >= 0.1, seconds <= 3600 else {
                    return .failure(UsageError("\(argument) needs seconds from 0.1 to 3600"))
                }
                let duration = Duration.nanoseconds(Int64(seconds * 1e9))
                if argument == "--head-timeout" { options.headTimeout = duration } else { options.idleTimeout = duration }
            case let text where text.hasPrefix("-"):
                return .failure(UsageError("unknown option '\(text)'"))
            case let text where options.address == nil:
                guard let address = IPv4Address(text) else { return .failure(UsageError("'\(text)' is not an IPv4 address")) }
                options.address = address
            case let text where options.remote == nil: options.remote = text
            case let text where options.local == nil: options.local = text
            default: return .failure(UsageError("unexpected argument '\(argument)'"))
            }
            index += 1
        }
        guard options.address != nil, options.remote != nil, options.local != nil else {
            return .failure(UsageError("needs ADDRESS, REMOTE_PATH and LOCAL_PATH"))
        }
        return .success(options)
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        let options: Options
        switch parse(arguments) {
        case let .success(parsed): options = parsed
        case let .failure(error):
            context.printError("fetch: \(error.message)\nusage: \(usage)")
            context.exit(2)
            return
        }
        guard let disk = context.disk else {
            context.printError("fetch: this node has no disk (only hosts have one)")
            context.exit(2)
            return
        }
        let destination: String
        do { destination = try SafePath.resolve(options.local!, root: disk, forWriting: true) } catch {
            context.printError("fetch: \(options.local!): \(error.description) (paths are inside the node's disk, \(disk))")
            context.exit(2)
            return
        }
        let download = FileDownload(context: context, address: options.address!, port: options.port,
                                    remote: options.remote!, destination: destination, resume: options.resume,
                                    headTimeout: options.headTimeout, idleTimeout: options.idleTimeout)
        download.start()
    }
}

/// One download: request, response head, body into the file, and the final report.
final class FileDownload {
    let context: CommandContext
    let address: IPv4Address
    let port: UInt16
    let remote: String
    let destination: String
    let resume: Bool
    private var connection: TCPConnection?
    private var parser = HTTPHeadParser<HTTPResponseHead>()
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var file: Int32 = -1
    private var offset: Int64 = 0
    private var received: Int64 = 0
    private var expected: Int64?
    private var total: Int64?
    private var head: HTTPResponseHead?
    private var startedAt: Instant
    private var lastReport: Instant
    private var finished = false
    private let headTimeout: Duration
    private let idleTimeout: Duration
    /// When the request went out, and when the last byte of the answer came.
    private var requestedAt: Instant
    private var lastByteAt: Instant
    private var watchdog: AppTimers.Token?

    init(context: CommandContext, address: IPv4Address, port: UInt16, remote: String, destination: String, resume: Bool,
         headTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60)) {
        self.context = context
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        requestedAt = context.stack.now
        lastByteAt = requestedAt
        self.address = address
        self.port = port
        self.remote = remote
        self.destination = destination
        self.resume = resume
        startedAt = context.stack.now
        lastReport = startedAt
    }

    func start() {
        if resume {
            var info = stat()
            if stat(destination, &info) == 0 { offset = Int64(info.st_size) }
        }
        // Keep-alive notices a dead path (a router killed mid-way) in about 8 s: the receiving
        // side of a transfer sends nothing TCP could time out on by itself.
        var configuration = context.stack.tcpConfiguration
        configuration.keepAlive = .init(idle: .seconds(3), interval: .seconds(1), probes: 5)
        let connection: TCPConnection
        do { connection = try context.stack.connect(to: address, port: port, configuration: configuration) } catch {
            fail("cannot connect to \(address):\(port): \(error)", code: 1)
            return
        }
        self.connection = connection
        // The connection keeps the download alive until it ends (`release` breaks the cycle).
        connection.onEvent = { [self] event in self.handle(event) }
        context.onCancel = { [weak self] in
            self?.closeFile()
            self?.connection?.abort()
        }
        var fields = HTTPFields()
        if offset > 0 { fields.set("Range", ByteRange.resumeField(from: offset)) }
        fields.set("User-Agent", "nicbed")
        let request = HTTPRequestHead(method: "GET", target: remote, fields: fields, persistent: false)
        var head = request
        head.fields.set("Host", "\(address):\(port)")
        _ = head.serialized().withUnsafeBytes { connection.send($0) }
        requestedAt = context.stack.now
        lastByteAt = requestedAt
        context.print("fetching http://\(address):\(port)\(remote)" + (offset > 0 ? " from byte \(offset)" : ""))
        watch()
    }

    /// Ten times a second until done: a server that is there but says nothing is given up on.
    private func watch() {
        watchdog = context.timers.schedule(at: context.stack.now + .milliseconds(100)) { [weak self] in
            guard let self, !self.finished else { return }
            let now = self.context.stack.now
            if self.head == nil && now.since(self.requestedAt) >= self.headTimeout {
                if self.connection?.state == .synSent {
                    self.fail("no connection to \(self.address):\(self.port) within \(self.headTimeout) (nothing answered the SYNs)", code: 1)
                } else {
                    self.fail("no response head from \(self.address):\(self.port) within \(self.headTimeout) of the request (the server took the connection and said nothing)", code: 1)
                }
                return
            }
            if self.head != nil && now.since(self.lastByteAt) >= self.idleTimeout {
                self.fail("no byte from \(self.address):\(self.port) for \(self.idleTimeout) after \(self.offset + self.received) bytes; `nicbed cp --resume` (or `fetch --resume`) continues from there", code: 1)
                return
            }
            self.watch()
        }
    }

    private func handle(_ event: TCPEvent) {
        switch event {
        case .connected, .writable: break
        case .readable, .endOfStream: drain()
        case let .closed(error): closed(error)
        }
    }

    private func drain() {
        guard let connection, !finished else { return }
        while true {
            let count = buffer.withUnsafeMutableBytes { connection.receive(into: $0) }
            if count == 0 { break }
            lastByteAt = context.stack.now
            var start = 0
            if head == nil {
                do {
                    guard let parsed = try parser.parse(buffer[..<count]) else { continue }
                    guard begin(parsed.head) else { return }
                    start = parsed.bodyStart
                } catch {
                    fail("the server's answer is not HTTP: \(error)", code: 1)
                    return
                }
            }
            guard store(buffer[start..<count]) else { return }
        }
        report()
        if let expected, received >= expected { complete() }
        if connection.isEndOfStream && !finished { closed(nil) }
    }

    /// Checks the response head and opens the file; false when the transfer ends here.
    private func begin(_ response: HTTPResponseHead) -> Bool {
        head = response
        switch response.status {
        case 200:
            // A resume the server did not honour: the whole file comes again, from the start.
            offset = 0
            expected = response.contentLength
            total = response.contentLength
        case 206:
            guard let field = response.fields["Content-Range"], case let .satisfied(range, length)? = ByteRange.ContentRange(field),
                  range.first == offset, length.map({ range.last == $0 - 1 }) ?? true else {
                fail("the server sent a part that does not continue the local file (Content-Range \(response.fields["Content-Range"] ?? "missing"))", code: 1)
                return false
            }
            expected = range.count
            total = length
        case 416 where resume:
            // Complete only if the remote file is exactly as long as what we have.
            guard let field = response.fields["Content-Range"], case let .unsatisfied(length)? = ByteRange.ContentRange(field),
                  length == offset else {
                fail("\(destination) has \(offset) bytes, which does not continue http://\(address):\(port)\(remote) (\(response.fields["Content-Range"] ?? "no Content-Range")); copy it again without --resume", code: 1)
                return false
            }
            context.print("\(destination) is already complete (\(offset) bytes)")
            finished = true
            closeFile()
            connection?.close()
            context.exit(0)
            return false
        default:
            fail("http://\(address):\(port)\(remote): \(response.status) \(response.reason)", code: 1)
            return false
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset > 0 ? 0 : O_TRUNC)
        file = open(destination, flags, 0o644)
        guard file >= 0, lseek(file, off_t(offset), SEEK_SET) >= 0 else {
            fail("cannot write \(destination): \(String(cString: strerror(errno)))", code: 1)
            return false
        }
        if let total { context.print("size \(total) bytes (\(ByteCount.format(Int(total))))" + (offset > 0 ? ", \(offset) already here" : "")) }
        return true
    }

    private func store(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return true }
        // Never more than the server promised: a longer answer is an error, not a longer file.
        if let expected, received + Int64(bytes.count) > expected {
            fail("the server sent more than the \(expected) bytes it announced", code: 1)
            return false
        }
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let written = write(file, raw.baseAddress! + done, raw.count - done)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                done += written
            }
            return true
        }
        guard ok else {
            fail("cannot write \(destination): \(String(cString: strerror(errno)))", code: 1)
            return false
        }
        received += Int64(bytes.count)
        return true
    }

    private func report() {
        let now = context.stack.now
        guard now.since(lastReport) >= .seconds(1) else { return }
        lastReport = now
        let elapsed = now.since(startedAt)
        var line = "  \(ByteCount.format(Int(offset + received)))"
        if let total { line += " of \(ByteCount.format(Int(total))) (\(total > 0 ? (offset + received) * 100 / total : 100)%)" }
        line += ", \(ByteCount.rate(bytes: Int(received), over: elapsed))"
        if let expected, received > 0 {
            let seconds = Double(elapsed.milliseconds) / 1000 * Double(expected - received) / Double(received)
            line += String(format: ", ETA %.0f s", seconds)
        }
        context.print(line)
    }

    private func complete() {
        guard !finished else { return }
        finished = true
        closeFile()
        connection?.close()
        let elapsed = context.stack.now.since(startedAt)
        context.print("fetched \(received) bytes (\(ByteCount.format(Int(received)))) in \(String(format: "%.3f", Double(elapsed.milliseconds) / 1000)) s, goodput \(ByteCount.rate(bytes: Int(received), over: elapsed)); \(destination) has \(offset + received) bytes")
        context.exit(0)
    }

    private func closed(_ error: TCPError?) {
        guard !finished else { return }
        if let expected, received >= expected {
            complete()
            return
        }
        if head != nil && expected == nil && error == nil {
            // No Content-Length: the body ended with the connection.
            complete()
            return
        }
        let have = offset + received
        let why = error.map { "\($0)" } ?? "the server closed the connection"
        fail("\(why) after \(have) of \(total.map(String.init) ?? "?") bytes; `nicbed cp --resume` (or `fetch --resume`) continues from there", code: 1)
    }

    private func fail(_ message: String, code: Int32) {
        guard !finished else { return }
        finished = true
        closeFile()
        connection?.abort()
        context.printError("fetch: \(message)")
        context.exit(code)
    }

    private func closeFile() {
        context.timers.cancel(watchdog)
        watchdog = nil
        if file >= 0 { Glibc.close(file) }
        file = -1
        connection?.onEvent = nil
        context.onCancel = nil
    }
}
