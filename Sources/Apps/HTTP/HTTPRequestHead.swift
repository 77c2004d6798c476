/// A request's start-line and fields (RFC 9112 §3). The method is kept as a string: which
/// methods exist is the server's business (it answers 501 to ones it does not implement), not
/// the parser's. Framing lives in properties, not in `fields`: `contentLength` and
/// `persistent` are what the parser read from Content-Length and Connection, and what
/// `serialized()` writes.
public struct HTTPRequestHead: Sendable, Hashable {
    public var method: String
    /// The request-target as sent: origin-form `/path?query` from ordinary clients. `SafePath`
    /// turns it into a file.
    public var target: String
    public var version: HTTPVersion
    /// Every field line except Content-Length, Transfer-Encoding and Connection.
    public var fields: HTTPFields
    /// nil when the request has no Content-Length: then it has no body (RFC 9112 §6.3).
    public var contentLength: Int64?
    /// Whether the client keeps the connection for another request.
    public var persistent: Bool

    public init(method: String, target: String, version: HTTPVersion = .http11, fields: HTTPFields = HTTPFields(),
                contentLength: Int64? = nil, persistent: Bool? = nil) {
        self.method = method
        self.target = target
        self.version = version
        self.fields = fields
        self.contentLength = contentLength
        self.persistent = persistent ?? version.persistsByDefault
    }

    /// How many body bytes follow the head.
    public var bodyLength: Int64 { contentLength ?? 0 }

    public var host: String? { fields["Host"] }

    /// `Expect: 100-continue` (RFC 9110 §10.1.1): the client waits for a 100 before sending
    /// the body (curl does for large uploads), so a server that will read it says so first.
    public var expectsContinue: Bool {
        fields.listElements("Expect").contains { HTTPSyntax.equalsIgnoringCase($0, "100-continue") }
    }

    /// The head as bytes on the wire. Octets of the target that may not appear in a
    /// request-target (space, controls, non-ASCII) are percent-encoded so the line stays one
    /// request-line whatever the caller passed; Content-Length is written when there is one.
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        HTTPSyntax.appendToken(method, to: &bytes)
        bytes.append(HTTPSyntax.space)
        for byte in target.utf8 {
            if HTTPSyntax.isVisibleASCII(byte) {
                bytes.append(byte)
            } else {
                HTTPSyntax.append("%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xf, radix: 16, uppercase: true), to: &bytes)
            }
        }
        bytes.append(HTTPSyntax.space)
        HTTPSyntax.append(version.description, to: &bytes)
        HTTPSyntax.appendLineEnd(to: &bytes)
        fields.serialize(into: &bytes, excluding: HTTPFraming.framingFieldNames)
        HTTPFraming.serialize(contentLength: contentLength, persistent: persistent, into: &bytes)
        HTTPSyntax.appendLineEnd(to: &bytes)
        return bytes
    }
}

extension HTTPRequestHead: HTTPParsableHead {
    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), with exactly one
    /// SP between parts: the lenient whitespace splitting RFC 9112 §3 permits is what request
    /// smuggling between a lenient and a strict parser feeds on.
    public static func parseStartLine(_ line: ArraySlice<UInt8>, limits: HTTPHeadLimits) throws(HTTPHeadError) -> HTTPRequestHead {
        let parts = line.split(separator: HTTPSyntax.space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, HTTPSyntax.isToken(parts[0]) else { throw .malformedStartLine }
        guard parts[1].count <= limits.maxTargetBytes else { throw .targetTooLong }
        guard !parts[1].isEmpty, parts[1].allSatisfy(HTTPSyntax.isVisibleASCII) else { throw .malformedStartLine }
        let version = try HTTPVersion.parse(parts[2])
        return HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self),
                               target: String(decoding: parts[1], as: UTF8.self), version: version)
    }

    /// Room for the target, the version, two spaces and a method of up to 54 octets (the
    /// longest registered method, `UPDATEREDIRECTREF`, has 17).
    public static func maxStartLineBytes(_ limits: HTTPHeadLimits) -> Int { limits.maxTargetBytes + 64 }

    public static func startLineTooLong(_ partial: ArraySlice<UInt8>, limits: HTTPHeadLimits) -> HTTPHeadError {
        guard let firstSpace = partial.firstIndex(of: HTTPSyntax.space) else { return .startLineTooLong }
        let target = partial[(firstSpace + 1)...].prefix { $0 != HTTPSyntax.space }
        return target.count > limits.maxTargetBytes ? .targetTooLong : .startLineTooLong
    }

    public static var skipsLeadingEmptyLines: Bool { true }

    /// Checks Host (RFC 9112 §3.2) and the body's framing (RFC 9112 §6). Any Transfer-Encoding
    /// is refused: 501 when it ends in chunked (a coding we do not implement, RFC 9112 §6.1),
    /// 400 when it does not or the request is HTTP/1.0, since then the body's length cannot be
    /// determined at all (RFC 9112 §6.1, §6.3 item 4).
    public mutating func complete(with fields: HTTPFields) throws(HTTPHeadError) {
        let hosts = fields.values("Host")
        if hosts.count > 1 || (hosts.isEmpty && version.persistsByDefault) { throw .invalidHost }
        if let host = hosts.first, !Self.isHostValue(host) { throw .invalidHost }
        if fields.contains("Transfer-Encoding") {
            let codings = fields.listElements("Transfer-Encoding")
            guard version.persistsByDefault, let last = codings.last, HTTPSyntax.equalsIgnoringCase(last, "chunked") else {
                throw .invalidTransferEncoding
            }
            throw .unsupportedTransferEncoding
        }
        contentLength = try HTTPFraming.contentLength(in: fields)
        persistent = HTTPFraming.persists(fields, version: version)
        self.fields = HTTPFraming.removingFramingFields(fields)
    }

    /// Host = uri-host [ ":" port ] (RFC 9110 §7.2), checked by alphabet: reg-name, IPv4 and
    /// IP-literal characters, ":" and digits. Empty is allowed (RFC 9112 §3.2).
    static func isHostValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "-._~%!$&'()*+,;=:[]".utf8.contains(byte)
            }
        }
    }
}
