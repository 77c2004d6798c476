/// A response's status-line and fields (RFC 9112 §4). As with requests, framing lives in
/// `contentLength` and `persistent` rather than in `fields`.
public struct HTTPResponseHead: Sendable, Hashable {
    public var version: HTTPVersion
    public var status: Int
    /// Clients ignore it (RFC 9112 §4); it is for people reading a capture.
    public var reason: String
    /// Every field line except Content-Length, Transfer-Encoding and Connection.
    public var fields: HTTPFields
    /// The body's length; for a response to HEAD, the length a GET would have sent. nil on a
    /// received response means the body runs until the server closes (RFC 9112 §6.3 item 8).
    public var contentLength: Int64?
    /// Whether the server keeps the connection for another request.
    public var persistent: Bool

    public init(status: Int, reason: String? = nil, version: HTTPVersion = .http11, fields: HTTPFields = HTTPFields(),
                contentLength: Int64? = nil, persistent: Bool = true) {
        self.version = version
        self.status = status
        self.reason = reason ?? Self.reasonPhrase(for: status)
        self.fields = fields
        self.contentLength = contentLength
        self.persistent = persistent
    }

    /// How a client reading this response finds the end of its body.
    public enum BodyLength: Sendable, Hashable {
        /// No body, whatever Content-Length says.
        case none
        case fixed(Int64)
        /// The body ends when the server closes the connection.
        case untilClose
    }

    /// RFC 9112 §6.3 items 1 and 2: a response to HEAD, and every 1xx, 204 and 304, ends at
    /// its head; otherwise Content-Length decides, and without one the close does.
    public func bodyLength(respondingTo method: String) -> BodyLength {
        if method == "HEAD" || (100..<200).contains(status) || status == 204 || status == 304 { return .none }
        if let contentLength { return .fixed(contentLength) }
        return .untilClose
    }

    /// The head as bytes on the wire. Content-Length is left out of 1xx and 204 responses,
    /// which must not carry it (RFC 9110 §8.6), and a 1xx — an interim response such as
    /// 100 Continue — gets no Connection option either: the final response decides that.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        HTTPSyntax.append("\(version) \(status) ", to: &bytes)
        HTTPSyntax.appendFieldValue(reason, to: &bytes)
        HTTPSyntax.appendLineEnd(to: &bytes)
        fields.serialize(into: &bytes, excluding: HTTPFraming.framingFieldNames)
        if !(100..<200).contains(status) {
            HTTPFraming.serialize(contentLength: status == 204 ? nil : contentLength, persistent: persistent, into: &bytes)
        }
        HTTPSyntax.appendLineEnd(to: &bytes)
        return bytes
    }

    /// The reason phrases of the statuses a file server and its client meet (RFC 9110 §15).
    public static func reasonPhrase(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return ""
        }
    }
}

extension HTTPResponseHead: HTTPParsableHead {
    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4). A missing
    /// SP before an empty reason is tolerated: servers that omit it exist, and nothing can be
    /// smuggled through it.
    public static func parseStartLine(_ line: ArraySlice<UInt8>, limits: HTTPHeadLimits) throws(HTTPHeadError) -> HTTPResponseHead {
        let parts = line.split(separator: HTTPSyntax.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { throw .malformedStartLine }
        let version = try HTTPVersion.parse(parts[0])
        guard parts[1].count == 3, let status = HTTPSyntax.decimal(parts[1]), (100...599).contains(status) else {
            throw .malformedStartLine
        }
        let reason = parts.count == 3 ? parts[2] : []
        guard reason.allSatisfy(HTTPSyntax.isFieldValueByte) else { throw .malformedStartLine }
        return HTTPResponseHead(status: Int(status), reason: HTTPSyntax.latin1String(reason), version: version)
    }

    public static func maxStartLineBytes(_ limits: HTTPHeadLimits) -> Int { limits.maxHeadBytes }

    public static func startLineTooLong(_ partial: ArraySlice<UInt8>, limits: HTTPHeadLimits) -> HTTPHeadError { .headTooLarge }

    /// A client reads what arrives; a stray empty line before a status-line is a broken server.
    public static var skipsLeadingEmptyLines: Bool { false }

    /// Transfer-Encoding of any kind is refused: this client reads Content-Length or
    /// read-until-close bodies only, and guessing at a coded body would store garbage.
    public mutating func complete(with fields: HTTPFields) throws(HTTPHeadError) {
        if fields.contains("Transfer-Encoding") { throw .unsupportedTransferEncoding }
        contentLength = try HTTPFraming.contentLength(in: fields)
        persistent = HTTPFraming.persists(fields, version: version)
        self.fields = HTTPFraming.removingFramingFields(fields)
    }
}
