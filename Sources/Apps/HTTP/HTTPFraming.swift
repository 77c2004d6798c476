/// How a message's body is delimited and whether its connection carries another message: the
/// parts of a head that, read wrongly, let one message be smuggled inside another. Only
/// Content-Length framing is implemented; chunked transfer coding is refused, never guessed at.
enum HTTPFraming {
    /// The field names a head owns as properties (`contentLength`, `persistent`) and writes
    /// itself, so they are neither kept in `fields` after parsing nor written twice.
    static let framingFieldNames = ["Content-Length", "Transfer-Encoding", "Connection"]

    /// The Content-Length of `fields`, nil if absent. Repeated lines, or a comma-separated list,
    /// are accepted when every value is the same — what a proxy that merged duplicates leaves
    /// (RFC 9110 §8.6 allows either rejecting that or taking the single value) — and refused
    /// when they differ (RFC 9112 §6.3: a framing error).
    static func contentLength(in fields: HTTPFields) throws(HTTPHeadError) -> Int64? {
        let lines = fields.values("Content-Length")
        guard !lines.isEmpty else { return nil }
        var length: Int64?
        for line in lines {
            for element in line.split(separator: ",", omittingEmptySubsequences: false) {
                guard let value = HTTPSyntax.decimal(HTTPSyntax.trimmingWhitespace(element.utf8)) else {
                    throw .invalidContentLength
                }
                if let length, length != value { throw .conflictingContentLength }
                length = value
            }
        }
        return length
    }

    /// Whether the connection stays open after this message (RFC 9112 §9.3): `close` ends it
    /// in any version, `keep-alive` keeps an HTTP/1.0 one, otherwise the version decides.
    static func persists(_ fields: HTTPFields, version: HTTPVersion) -> Bool {
        let options = fields.listElements("Connection")
        if options.contains(where: { HTTPSyntax.equalsIgnoringCase($0, "close") }) { return false }
        if options.contains(where: { HTTPSyntax.equalsIgnoringCase($0, "keep-alive") }) { return true }
        return version.persistsByDefault
    }

    /// Writes the framing fields from a head's properties. The Connection option is always
    /// explicit: our responses are HTTP/1.1, and an HTTP/1.0 client only keeps a connection
    /// that the response says `keep-alive` about.
    static func serialize(contentLength: Int64?, persistent: Bool, into bytes: inout [UInt8]) {
        if let contentLength {
            HTTPSyntax.append("Content-Length: \(contentLength)", to: &bytes)
            HTTPSyntax.appendLineEnd(to: &bytes)
        }
        HTTPSyntax.append(persistent ? "Connection: keep-alive" : "Connection: close", to: &bytes)
        HTTPSyntax.appendLineEnd(to: &bytes)
    }

    /// Drops the framing fields once they have been read into properties.
    static func removingFramingFields(_ fields: HTTPFields) -> HTTPFields {
        var fields = fields
        for name in framingFieldNames { fields.remove(name) }
        return fields
    }
}
