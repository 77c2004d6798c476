/// Why a message head was refused. Each case maps to the status a server answers with; after
/// any of them the byte stream can no longer be framed, so the server answers and closes
/// (RFC 9112 §9.6 lets it; for a bad Transfer-Encoding RFC 9112 §6.3 says it must).
public enum HTTPHeadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A CR not followed by LF, or an LF without its CR (RFC 9112 §2.2).
    case invalidLineEnding
    /// The request-line or status-line does not follow its grammar (single SPs, a token
    /// method, a visible-ASCII target, `HTTP/x.y`, a three-digit status).
    case malformedStartLine
    /// A request-line longer than any we accept whose target is not itself too long.
    case startLineTooLong
    /// The request-target is longer than the limit (RFC 9112 §3: 414).
    case targetTooLong
    /// A well-formed version whose major version is not 1 (RFC 9110 §15.6.6: 505).
    case unsupportedVersion
    /// A field line starting with whitespace: obsolete line folding, or whitespace between the
    /// start-line and the first field (RFC 9112 §2.2, §5.2: reject with 400).
    case obsoleteLineFolding
    /// A field line without a colon, with a name that is not a token (which includes
    /// whitespace before the colon, RFC 9112 §5.1), or a value holding control characters.
    case malformedField
    /// The whole head is larger than the limit (RFC 6585 §5: 431).
    case headTooLarge
    /// More field lines than the limit (431).
    case tooManyFields
    /// A Content-Length that is not 1*DIGIT or does not fit in Int64 (RFC 9110 §8.6).
    case invalidContentLength
    /// Content-Length given more than once with different values (RFC 9112 §6.3).
    case conflictingContentLength
    /// An HTTP/1.1 request without Host, with several, or with one that is not a host[:port]
    /// (RFC 9112 §3.2: 400).
    case invalidHost
    /// A transfer coding we do not implement — chunked included (RFC 9112 §6.1: 501). On a
    /// response, where no status applies, it means the client cannot read the body.
    case unsupportedTransferEncoding
    /// Transfer-Encoding whose final coding is not chunked, or any Transfer-Encoding on an
    /// HTTP/1.0 request: the body's length cannot be known (RFC 9112 §6.1, §6.3: 400).
    case invalidTransferEncoding

    /// The status code a server answers with.
    public var status: Int {
        switch self {
        case .invalidLineEnding, .malformedStartLine, .startLineTooLong, .obsoleteLineFolding, .malformedField,
             .invalidContentLength, .conflictingContentLength, .invalidHost, .invalidTransferEncoding:
            return 400
        case .targetTooLong: return 414
        case .headTooLarge, .tooManyFields: return 431
        case .unsupportedTransferEncoding: return 501
        case .unsupportedVersion: return 505
        }
    }

    public var description: String {
        switch self {
        case .invalidLineEnding: return "line ending is not CRLF"
        case .malformedStartLine: return "malformed start line"
        case .startLineTooLong: return "request line too long"
        case .targetTooLong: return "request-target too long"
        case .unsupportedVersion: return "HTTP version not supported"
        case .obsoleteLineFolding: return "field line starts with whitespace"
        case .malformedField: return "malformed header field"
        case .headTooLarge: return "header section too large"
        case .tooManyFields: return "too many header fields"
        case .invalidContentLength: return "invalid Content-Length"
        case .conflictingContentLength: return "conflicting Content-Length values"
        case .invalidHost: return "missing, repeated or invalid Host"
        case .unsupportedTransferEncoding: return "transfer coding not implemented"
        case .invalidTransferEncoding: return "Transfer-Encoding leaves the body length unknown"
        }
    }
}
