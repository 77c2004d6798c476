import Foundation
import NetStack
import Topology
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// A host's HTTP/1.1 file server (`serve:` in the topology), over nicbed's own TCP: GET and
/// HEAD (with a single Range, for resuming) and PUT (with Content-Length) on the files under the
/// host's disk. One request per connection (`Connection: close`), so a client never waits on
/// a pipelined answer. Files stream through one fixed buffer the sessions share (a node runs on
/// one thread, and each use of it ends before the next begins), whatever their size;
/// nothing outside the root is ever opened (`SafePath`). With `timers`, a client is held to
/// `limits` (FileServerLimits, in the topology's `serve:`): 408 when its request head is late,
/// closed when silent for the idle timeout, 503 beyond the session cap.
public final class FileServer {
    let root: String
    let port: UInt16
    let limits: FileServerLimits
    private let stack: NetworkStack
    private let timers: AppTimers?
    private let listener: TCPListener
    private var sessions: [ObjectIdentifier: FileServerSession] = [:]
    /// One buffer for all sessions: 64 KiB each would be 320 MiB for 5,000 idle clients.
    private let scratch = ScratchBuffer(count: 64 * 1024)
    private var sweep: AppTimers.Token?
    private let log: (String) -> Void
    /// Requests answered, by status code (for `stats`-like reports and the tests).
    private(set) var answered: [Int: Int] = [:]
    /// Sessions ended by a deadline: no request head in time, or silent too long.
    public private(set) var timedOut = 0

    public init(stack: NetworkStack, port: UInt16, root: String, limits: FileServerLimits = FileServerLimits(),
                timers: AppTimers? = nil, log: @escaping (String) -> Void) throws {
        self.root = root
        self.port = port
        self.limits = limits
        self.stack = stack
        self.timers = timers
        self.log = log
        listener = try stack.listen(port: port, backlog: 64)
        listener.onAcceptable = { [unowned self] in
            while let connection = listener.accept() {
                let session = FileServerSession(connection: connection, root: root, scratch: scratch, clock: { [unowned stack] in stack.now }) { [unowned self] line, status in
                    self.answered[status, default: 0] += 1
                    self.log(line)
                }
                let id = ObjectIdentifier(session)
                let full = sessions.count >= limits.sessions
                sessions[id] = session
                session.onEnd = { [unowned self] in self.sessions[id] = nil }
                if full {
                    session.refuse(503, "the server has \(limits.sessions) sessions open already; try again later")
                } else {
                    session.start()
                }
                scheduleSweep()
            }
        }
    }

    public var sessionCount: Int { sessions.count }

    /// Once a second while sessions are open: the ones past a deadline are ended.
    private func scheduleSweep() {
        guard let timers, sweep == nil, !sessions.isEmpty else { return }
        sweep = timers.schedule(at: stack.now + .seconds(1)) { [weak self] in
            guard let self else { return }
            self.sweep = nil
            let now = self.stack.now
            for session in self.sessions.values {
                session.noteAcknowledgedProgress()
                if session.isReadingHead {
                    // The head's deadline governs until the request has come.
                    if now.since(session.startedAt) >= self.limits.headTimeout {
                        self.timedOut += 1
                        session.refuse(408, "no request head within \(self.limits.headTimeout)")
                    }
                } else if now.since(session.lastActivity) >= self.limits.idleTimeout {
                    self.timedOut += 1
                    self.log("\(session.requestLine.isEmpty ? "(no request)" : session.requestLine): closed after \(self.limits.idleTimeout) without a byte")
                    session.abort()
                }
            }
            self.scheduleSweep()
        }
    }

    public func close() {
        timers?.cancel(sweep)
        sweep = nil
        listener.close()
        for session in sessions.values { session.abort() }
        sessions.removeAll()
    }
}

/// Bytes a server's sessions read into and out of, one use at a time.
final class ScratchBuffer {
    var bytes: [UInt8]
    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }
}

/// One connection of the file server: read a request head, then either send a file (GET/HEAD)
/// or receive one (PUT), then close.
final class FileServerSession {
    private let connection: TCPConnection
    private let root: String
    private let report: (String, Int) -> Void
    var onEnd: (() -> Void)?

    private var parser = HTTPHeadParser<HTTPRequestHead>()
    private let scratch: ScratchBuffer
    /// Bytes queued for the connection that it has not taken yet (a head, or a file chunk).
    private var pending: [UInt8] = []
    private var pendingOffset = 0

    private enum Phase {
        case readingHead
        /// Sending `remaining` bytes of `file` after the head; `closeAfter` when done.
        case sending(file: Int32, remaining: Int64)
        /// Receiving `remaining` body bytes of a PUT into a temporary file, renamed at the end.
        case receiving(file: Int32, temporary: String, destination: String, existed: Bool, remaining: Int64)
        /// Everything is queued; the connection closes once it is out.
        case finishing
        case done
    }
    private var phase = Phase.readingHead
    private(set) var requestLine = ""
    /// When the connection was accepted, and when a byte last moved either way.
    let startedAt: Instant
    private(set) var lastActivity: Instant
    var isReadingHead: Bool { if case .readingHead = phase { true } else { false } }
    /// Bytes the client had not acknowledged at the last look: a slow reader draining the
    /// send buffer after the whole file was queued is not idle.
    private var lastUnacknowledged = 0

    func noteAcknowledgedProgress() {
        let unacknowledged = connection.unacknowledgedBytes
        if unacknowledged != lastUnacknowledged {
            lastUnacknowledged = unacknowledged
            lastActivity = clock()
        }
    }
    /// The request's method: an answer to HEAD carries no body, errors included.
    private var method = ""

    private let clock: () -> Instant

    init(connection: TCPConnection, root: String, scratch: ScratchBuffer, clock: @escaping () -> Instant,
         report: @escaping (String, Int) -> Void) {
        self.connection = connection
        self.scratch = scratch
        self.root = root
        self.report = report
        self.clock = clock
        startedAt = clock()
        lastActivity = startedAt
    }

    func start() {
        connection.onEvent = { [unowned self] event in self.handle(event) }
        drain()
    }

    /// Answers `status` without reading a request (a full server, a late head) and closes.
    func refuse(_ status: Int, _ message: String) {
        connection.onEvent = { [unowned self] event in self.handle(event) }
        fail(status, message)
    }

    func abort() {
        cleanUp()
        connection.abort()
    }

    private func handle(_ event: TCPEvent) {
        switch event {
        case .readable, .endOfStream: drain()
        case .writable: pump()
        case .connected: break
        case .closed:
            cleanUp()
            phase = .done
            onEnd?()
        }
    }

    // MARK: - Input

    private func drain() {
        while true {
            if !isReading {
                discardInput()
                return
            }
            let count = scratch.bytes.withUnsafeMutableBytes { connection.receive(into: $0) }
            if count > 0 { lastActivity = clock() }
            if count == 0 {
                if connection.isEndOfStream, case .readingHead = phase { connection.close() }
                if connection.isEndOfStream, case let .receiving(_, _, _, _, remaining) = phase {
                    fail(400, "the body ended after fewer bytes than Content-Length (\(remaining) missing)")
                }
                return
            }
            consume(count)
        }
    }

    /// Whether input is a request head or a PUT's body; otherwise it is not wanted.
    private var isReading: Bool {
        switch phase {
        case .readingHead, .receiving: return true
        default: return false
        }
    }

    /// Reads and drops what the client sends while we answer (a pipelined request, a body we
    /// refused): a close with unread input would be a reset that destroys our answer in flight.
    private func discardInput() {
        while scratch.bytes.withUnsafeMutableBytes({ connection.receive(into: $0) }) > 0 {}
    }

    private func consume(_ count: Int) {
        switch phase {
        case .readingHead:
            let parsed: HTTPHeadParser<HTTPRequestHead>.Parsed?
            do { parsed = try parser.parse(scratch.bytes[..<count]) } catch {
                respond(error.status, message: error.description)
                return
            }
            guard let parsed else { return }
            requestLine = "\(parsed.head.method) \(parsed.head.target)"
            method = parsed.head.method
            handleRequest(parsed.head, body: Array(scratch.bytes[parsed.bodyStart..<(parsed.bodyStart + parsed.bodyBytesInChunk)]))
        case let .receiving(file, temporary, destination, existed, remaining):
            // Bytes past Content-Length are not part of this body: they are dropped, never stored.
            let take = Int(min(Int64(count), remaining))
            guard writeAll(file, scratch.bytes[..<take]) else {
                fail(500, "cannot write \(destination): \(String(cString: strerror(errno)))")
                return
            }
            let left = remaining - Int64(take)
            phase = .receiving(file: file, temporary: temporary, destination: destination, existed: existed, remaining: left)
            if left == 0 { finishUpload() }
        default:
            break
        }
    }

    // MARK: - Requests

    private func handleRequest(_ head: HTTPRequestHead, body: [UInt8]) {
        switch head.method {
        case "GET", "HEAD": serve(head)
        case "PUT": receive(head, body: body)
        default:
            var fields = HTTPFields()
            fields.set("Allow", "GET, HEAD, PUT")
            respond(405, message: "\(head.method) is not supported; this server takes GET, HEAD and PUT", fields: fields)
        }
    }

    private func serve(_ head: HTTPRequestHead) {
        let path: String
        do { path = try SafePath.resolve(head.target, root: root, forWriting: false) } catch {
            respond(error.status, message: "\(head.target): \(error.description)")
            return
        }
        let file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard file >= 0 else {
            respond(errno == ENOENT ? 404 : 403, message: "\(head.target): \(String(cString: strerror(errno)))")
            return
        }
        var info = stat()
        guard fstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(file)
            respond(403, message: "\(head.target) is not a regular file")
            return
        }
        let length = Int64(info.st_size)
        var status = 200
        var first: Int64 = 0
        var count = length
        var fields = HTTPFields()
        fields.set("Accept-Ranges", "bytes")
        fields.set("Content-Type", "application/octet-stream")
        if let range = head.fields["Range"], head.method == "GET" {
            switch ByteRange.select(range, length: length) {
            case let .partial(selected):
                status = 206
                first = selected.first
                count = selected.count
                fields.set("Content-Range", selected.contentRange(completeLength: length))
            case .unsatisfiable:
                Glibc.close(file)
                var unsatisfied = HTTPFields()
                unsatisfied.set("Content-Range", ByteRange.unsatisfiedContentRange(completeLength: length))
                respond(416, message: "\(head.target) has \(length) bytes; range \(range) selects none", fields: unsatisfied)
                return
            case .empty, .unsupported, .invalid:
                break
            }
        }
        if first > 0 && lseek(file, off_t(first), SEEK_SET) < 0 {
            Glibc.close(file)
            respond(500, message: "cannot seek in \(head.target)")
            return
        }
        queue(HTTPResponseHead(status: status, fields: fields, contentLength: count, persistent: false).serialized())
        report("\(requestLine) \(status) \(count) bytes", status)
        if head.method == "HEAD" || count == 0 {
            Glibc.close(file)
            phase = .finishing
        } else {
            phase = .sending(file: file, remaining: count)
        }
        pump()
    }

    private func receive(_ head: HTTPRequestHead, body: [UInt8]) {
        guard let length = head.contentLength else {
            respond(411, message: "PUT needs a Content-Length")
            return
        }
        let destination: String
        do { destination = try SafePath.resolve(head.target, root: root, forWriting: true) } catch {
            respond(error.status, message: "\(head.target): \(error.description)")
            return
        }
        var info = stat()
        let existed = stat(destination, &info) == 0
        if existed && (info.st_mode & S_IFMT) != S_IFREG {
            respond(409, message: "\(head.target) exists and is not a regular file")
            return
        }
        // The body goes to a temporary file beside the destination, renamed over it only when
        // complete: a broken upload never leaves half a file under the real name.
        let directory = (destination as NSString).deletingLastPathComponent
        var template = Array("\(directory)/.upload-XXXXXX".utf8CString)
        let file = mkstemp(&template)
        guard file >= 0 else {
            respond(500, message: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
            return
        }
        let temporary = String(cString: template)
        phase = .receiving(file: file, temporary: temporary, destination: destination, existed: existed, remaining: length)
        // HTTP/1.0 clients do not know 100 Continue (RFC 9110 §10.1.1): only 1.1 gets it.
        if head.expectsContinue && head.version == .http11 {
            queue(HTTPResponseHead(status: 100).serialized())
            pump()
        }
        if !body.isEmpty {
            body.withUnsafeBytes { bytes in
                scratch.bytes.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, $0.count)])) }
            }
            consume(min(body.count, scratch.bytes.count))
        }
        if length == 0 { finishUpload() }
    }

    private func finishUpload() {
        guard case let .receiving(file, temporary, destination, existed, _) = phase else { return }
        fchmod(file, 0o644)
        Glibc.close(file)
        guard rename(temporary, destination) == 0 else {
            unlink(temporary)
            phase = .readingHead
            respond(500, message: "cannot store \(destination): \(String(cString: strerror(errno)))")
            return
        }
        phase = .readingHead
        respond(existed ? 204 : 201, message: existed ? nil : "stored\n")
    }

    private func fail(_ status: Int, _ message: String) {
        cleanUp()
        respond(status, message: message)
    }

    // MARK: - Output

    /// A whole response with a short text body (errors, and PUT's answer).
    private func respond(_ status: Int, message: String?, fields: HTTPFields = HTTPFields()) {
        var fields = fields
        let body = message.map { Array(($0.hasSuffix("\n") ? $0 : $0 + "\n").utf8) } ?? []
        if !body.isEmpty { fields.set("Content-Type", "text/plain; charset=utf-8") }
        // An answer to HEAD says how long the body would be, and sends none.
        let head = HTTPResponseHead(status: status, fields: fields, contentLength: Int64(body.count), persistent: false).serialized()
        queue(method == "HEAD" ? head : head + body)
        report("\(requestLine.isEmpty ? "(no request)" : requestLine) \(status)", status)
        phase = .finishing
        pump()
    }

    private func queue(_ bytes: [UInt8]) {
        if pendingOffset == pending.count {
            pending = bytes
            pendingOffset = 0
        } else {
            pending += bytes
        }
    }

    /// Moves queued bytes, then file chunks, into the connection until it pushes back.
    private func pump() {
        while true {
            if pendingOffset < pending.count {
                let sent = pending.withUnsafeBytes { connection.send(UnsafeRawBufferPointer(rebasing: $0[pendingOffset...])) }
                if sent > 0 { lastActivity = clock() }
                pendingOffset += sent
                if pendingOffset < pending.count { return }
            }
            switch phase {
            case let .sending(file, remaining):
                guard remaining > 0 else {
                    Glibc.close(file)
                    phase = .finishing
                    continue
                }
                let want = Int(min(Int64(scratch.bytes.count), remaining))
                let got = scratch.bytes.withUnsafeMutableBytes { read(file, $0.baseAddress, want) }
                guard got > 0 else {
                    // The file shrank under us: the promised length cannot be kept, so the
                    // connection is cut (the client sees a short body, not a wrong one).
                    Glibc.close(file)
                    phase = .done
                    connection.abort()
                    return
                }
                phase = .sending(file: file, remaining: remaining - Int64(got))
                pending = Array(scratch.bytes[..<got])
                pendingOffset = 0
            case .finishing:
                phase = .done
                discardInput()
                connection.close()
                return
            default:
                return
            }
        }
    }

    private func writeAll(_ file: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(file, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    /// Closes what the phase holds, once: the phase is left `.done`.
    private func cleanUp() {
        switch phase {
        case let .sending(file, _):
            Glibc.close(file)
        case let .receiving(file, temporary, _, _, _):
            Glibc.close(file)
            unlink(temporary)
        default:
            break
        }
        phase = .done
    }
}
