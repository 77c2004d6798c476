/// Size limits on a head. They bound what one connection can make us buffer before we know
/// what it wants; the defaults match common servers (nginx and Apache allow 8 KiB lines).
public struct HTTPHeadLimits: Sendable, Hashable {
    /// The whole head, start-line through the empty line, CRLFs included.
    public var maxHeadBytes: Int
    public var maxFieldCount: Int
    public var maxTargetBytes: Int

    public init(maxHeadBytes: Int = 16 * 1024, maxFieldCount: Int = 100, maxTargetBytes: Int = 8 * 1024) {
        self.maxHeadBytes = maxHeadBytes
        self.maxFieldCount = maxFieldCount
        self.maxTargetBytes = maxTargetBytes
    }
}

/// A kind of head `HTTPHeadParser` can read: a request head or a response head. The parser
/// splits lines and fields and enforces the limits; the head reads its own start-line and the
/// fields that frame its body.
public protocol HTTPParsableHead: Sendable {
    /// Parses a complete start-line (without its CRLF) into a head with no fields yet.
    static func parseStartLine(_ line: ArraySlice<UInt8>, limits: HTTPHeadLimits) throws(HTTPHeadError) -> Self
    /// The longest start-line worth waiting for; one that grows beyond it is refused with
    /// `startLineTooLong(_:limits:)` before its end arrives.
    static func maxStartLineBytes(_ limits: HTTPHeadLimits) -> Int
    /// Why an unfinished start-line that outgrew `maxStartLineBytes` is refused.
    static func startLineTooLong(_ partial: ArraySlice<UInt8>, limits: HTTPHeadLimits) -> HTTPHeadError
    /// Whether empty lines before the start-line are skipped (RFC 9112 §2.2: a server should,
    /// since some clients send a CRLF after a request body).
    static var skipsLeadingEmptyLines: Bool { get }
    /// Takes the field lines, checking and extracting the framing ones.
    mutating func complete(with fields: HTTPFields) throws(HTTPHeadError)
}

/// Reads one head from a byte stream delivered in arbitrary pieces, as TCP delivers it. Feed
/// it each chunk; it returns nothing until the empty line that ends the head arrives, then the
/// head and where in that chunk the body (or the next message) starts. It holds at most one
/// line, never the body, and refuses a head as soon as it breaks a rule or a limit, without
/// waiting for the rest.
///
/// After a head it starts over, ready for the next message on a persistent connection. After
/// an error it keeps throwing that error: the stream cannot be framed any more.
public struct HTTPHeadParser<Head: HTTPParsableHead>: Sendable {
    /// A complete head, and how the chunk that completed it divides.
    public struct Parsed: Sendable {
        public var head: Head
        /// How many bytes from the chunk's start belong to the head: the body (or the next
        /// message) starts this far into the chunk.
        public var bodyStart: Int
        /// How many bytes of the chunk, from `bodyStart` on, follow the head.
        public var bodyBytesInChunk: Int
    }

    public let limits: HTTPHeadLimits
    private var line: [UInt8] = []
    private var afterCR = false
    private var headBytes = 0
    private var head: Head?
    private var fields = HTTPFields()
    private var failure: HTTPHeadError?

    public init(limits: HTTPHeadLimits = HTTPHeadLimits()) {
        self.limits = limits
    }

    /// Whether any byte of a head that is not finished has arrived: a connection that closes
    /// now closed mid-head, not between messages.
    public var isMidHead: Bool { headBytes > 0 }

    /// Consumes `chunk` up to the end of the head, or all of it if the head is not complete.
    public mutating func parse<Bytes: Collection<UInt8>>(_ chunk: Bytes) throws(HTTPHeadError) -> Parsed? {
        if let failure { throw failure }
        do throws(HTTPHeadError) {
            return try consume(chunk)
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func consume<Bytes: Collection<UInt8>>(_ chunk: Bytes) throws(HTTPHeadError) -> Parsed? {
        var offset = 0
        for byte in chunk {
            offset += 1
            headBytes += 1
            if headBytes > limits.maxHeadBytes {
                // A start-line that is still open has its own, more telling, verdict (414).
                throw head == nil ? Head.startLineTooLong(line[...], limits: limits) : .headTooLarge
            }
            if afterCR {
                guard byte == HTTPSyntax.lf else { throw .invalidLineEnding }
                afterCR = false
                if let finished = try endLine() {
                    let chunkCount = chunk.count
                    return Parsed(head: finished, bodyStart: offset, bodyBytesInChunk: chunkCount - offset)
                }
                continue
            }
            switch byte {
            case HTTPSyntax.cr:
                afterCR = true
            case HTTPSyntax.lf:
                throw .invalidLineEnding
            default:
                line.append(byte)
                if head == nil, line.count > Head.maxStartLineBytes(limits) {
                    throw Head.startLineTooLong(line[...], limits: limits)
                }
            }
        }
        return nil
    }

    /// Handles the line just ended by CRLF; returns the head when that line was the empty one.
    private mutating func endLine() throws(HTTPHeadError) -> Head? {
        defer { line.removeAll(keepingCapacity: true) }
        guard var started = head else {
            if line.isEmpty {
                guard Head.skipsLeadingEmptyLines else { throw .malformedStartLine }
                return nil
            }
            head = try Head.parseStartLine(line[...], limits: limits)
            return nil
        }
        if line.isEmpty {
            try started.complete(with: fields)
            head = nil
            fields = HTTPFields()
            headBytes = 0
            return started
        }
        guard fields.count < limits.maxFieldCount else { throw .tooManyFields }
        let (name, value) = try Self.parseField(line[...])
        fields.append(name, value)
        return nil
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    private static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPHeadError) -> (String, String) {
        if line.first == HTTPSyntax.space || line.first == HTTPSyntax.tab { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: HTTPSyntax.colon) else { throw .malformedField }
        let name = line[..<colon]
        guard HTTPSyntax.isToken(name) else { throw .malformedField }
        let value = HTTPSyntax.trimmingWhitespace(line[(colon + 1)...])
        guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else { throw .malformedField }
        return (String(decoding: name, as: UTF8.self), HTTPSyntax.latin1String(value))
    }
}
