import Apps
import Testing

/// The head parser fed as TCP feeds it: arbitrary pieces, several messages back to back, and
/// every malformed or oversized head an attacker or a broken client can send.
@Suite("HTTP head parsing")
struct HTTPHeadParsing {
    static let curl = Array("GET /a.bin HTTP/1.1\r\nHost: 10.0.2.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nRange: bytes=100-\r\n\r\n".utf8)

    /// Feeds `bytes` in one chunk.
    static func request(_ text: String, limits: HTTPHeadLimits = HTTPHeadLimits()) throws(HTTPHeadError) -> HTTPRequestHead? {
        var parser = HTTPHeadParser<HTTPRequestHead>(limits: limits)
        return try parser.parse(Array(text.utf8))?.head
    }

    static func response(_ text: String) throws(HTTPHeadError) -> HTTPResponseHead? {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        return try parser.parse(Array(text.utf8))?.head
    }

    static func checkCurlHead(_ head: HTTPRequestHead) {
        #expect(head.method == "GET")
        #expect(head.target == "/a.bin")
        #expect(head.version == .http11)
        #expect(head.host == "10.0.2.1:8080")
        #expect(head.fields["user-agent"] == "curl/7.88.1")
        #expect(head.fields["ACCEPT"] == "*/*")
        #expect(head.fields["Range"] == "bytes=100-")
        #expect(head.fields.map(\.name) == ["Host", "User-Agent", "Accept", "Range"])
        #expect(head.persistent)
        #expect(head.contentLength == nil)
        #expect(head.bodyLength == 0)
        #expect(!head.expectsContinue)
    }

    @Test func curlRequestSplitAtEveryPairOfBoundaries() throws {
        let body = Array("BODY".utf8)
        let stream = Self.curl + body
        let headLength = Self.curl.count
        for i in 0...headLength {
            for j in i...headLength {
                var parser = HTTPHeadParser<HTTPRequestHead>()
                let pieces = [stream[..<i], stream[i..<j], stream[j...]]
                var result: HTTPHeadParser<HTTPRequestHead>.Parsed?
                var completedIn = -1
                for (index, piece) in pieces.enumerated() {
                    if let parsed = try parser.parse(piece) {
                        result = parsed
                        completedIn = index
                        break
                    }
                }
                let parsed = try #require(result, "split \(i)/\(j)")
                Self.checkCurlHead(parsed.head)
                // The chunk that completed the head is the first one reaching its last byte.
                let start = [0, i, j][completedIn]
                let piece = pieces[completedIn]
                #expect(start + parsed.bodyStart == headLength, "split \(i)/\(j)")
                #expect(parsed.bodyBytesInChunk == piece.count - parsed.bodyStart)
                #expect(Array(piece.dropFirst(parsed.bodyStart)) == Array(stream[(start + parsed.bodyStart)..<(start + piece.count)]))
            }
        }
    }

    @Test func curlRequestByteByByte() throws {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        for (index, byte) in Self.curl.enumerated() {
            let parsed = try parser.parse([byte])
            if index < Self.curl.count - 1 {
                #expect(parsed == nil)
                #expect(parser.isMidHead)
            } else {
                let parsed = try #require(parsed)
                Self.checkCurlHead(parsed.head)
                #expect(parsed.bodyStart == 1)
                #expect(parsed.bodyBytesInChunk == 0)
                #expect(!parser.isMidHead)
            }
        }
    }

    @Test func pipelinedRequestsInOneChunk() throws {
        let put = Array("PUT /up.bin HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello".utf8)
        let stream = Self.curl + put
        var parser = HTTPHeadParser<HTTPRequestHead>()
        let first = try #require(try parser.parse(stream))
        Self.checkCurlHead(first.head)
        #expect(first.bodyStart == Self.curl.count)
        #expect(first.bodyBytesInChunk == put.count)
        // The parser starts over for the next message on the connection.
        let rest = stream[first.bodyStart...]
        let second = try #require(try parser.parse(rest))
        #expect(second.head.method == "PUT")
        #expect(second.head.contentLength == 5)
        #expect(second.head.fields.count == 1)
        #expect(Array(rest.dropFirst(second.bodyStart)) == Array("hello".utf8))
    }

    @Test func emptyLinesBeforeARequestAreSkipped() throws {
        let head = try #require(try Self.request("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(head.target == "/")
    }

    @Test func persistence() throws {
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\n\r\n")?.persistent == true)
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")?.persistent == false)
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\nconnection: CLOSE\r\n\r\n")?.persistent == false)
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n")?.persistent == false)
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")?.persistent == false)
        #expect(try Self.request("GET / HTTP/1.0\r\n\r\n")?.persistent == false)
        #expect(try Self.request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.persistent == true)
        // A higher 1.x minor is processed as 1.1 (RFC 9110 §6.2).
        let later = try #require(try Self.request("GET / HTTP/1.2\r\nHost: h\r\n\r\n"))
        #expect(later.version == HTTPVersion(major: 1, minor: 2))
        #expect(later.persistent)
        // The framing fields become properties, not fields.
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")?.fields.contains("Connection") == false)
    }

    @Test func fieldNamesAreCaseInsensitiveAndValuesTrimmed() throws {
        let head = try #require(try Self.request("PUT /x HTTP/1.1\r\nhOsT: h\r\ncontent-LENGTH:\t 12 \t\r\nX-Empty:\r\nExpect: 100-Continue\r\n\r\n"))
        #expect(head.host == "h")
        #expect(head.fields["HOST"] == "h")
        #expect(head.contentLength == 12)
        #expect(head.fields["x-empty"] == "")
        #expect(head.expectsContinue)
    }

    /// obs-text survives as ISO-8859-1: one scalar per octet.
    @Test func obsTextInValues() throws {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        let bytes = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf".utf8) + [0xe9] + Array("\r\n\r\n".utf8)
        let head = try #require(try parser.parse(bytes)?.head)
        #expect(head.fields["X-Name"] == "caf\u{e9}")
    }

    @Test(arguments: [
        ("0", 0), ("5", 5), ("007", 7), ("9223372036854775807", Int64.max), ("5, 5", 5), ("5,5,5", 5),
    ] as [(String, Int64)])
    func validContentLength(value: String, expected: Int64) throws {
        #expect(try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n")?.contentLength == expected)
    }

    @Test func repeatedEqualContentLengthIsOneValue() throws {
        #expect(try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n")?.contentLength == 5)
    }

    @Test(arguments: ["", "+5", "-5", "5 5", "0x5", "5.0", "1e3", "9223372036854775808", "99999999999999999999999", "5,", ",5", "5,,5", "five"])
    func invalidContentLength(value: String) {
        #expect(throws: HTTPHeadError.invalidContentLength) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n")
        }
    }

    @Test func conflictingContentLength() {
        #expect(throws: HTTPHeadError.conflictingContentLength) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.conflictingContentLength) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n")
        }
    }

    @Test func transferEncoding() {
        // chunked is a coding we do not implement: 501.
        #expect(throws: HTTPHeadError.unsupportedTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.unsupportedTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.unsupportedTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
        }
        // Not ending in chunked, or on HTTP/1.0: the body's length is unknowable, 400.
        #expect(throws: HTTPHeadError.invalidTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.invalidTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.invalidTransferEncoding) {
            try Self.request("PUT /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.invalidTransferEncoding) {
            try Self.request("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n")
        }
    }

    @Test func host() throws {
        #expect(throws: HTTPHeadError.invalidHost) { try Self.request("GET / HTTP/1.1\r\n\r\n") }
        #expect(throws: HTTPHeadError.invalidHost) { try Self.request("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") }
        #expect(throws: HTTPHeadError.invalidHost) { try Self.request("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") }
        #expect(throws: HTTPHeadError.invalidHost) { try Self.request("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") }
        #expect(throws: HTTPHeadError.invalidHost) { try Self.request("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n") }
        #expect(try Self.request("GET / HTTP/1.1\r\nHost: [fe80::1]:8080\r\n\r\n")?.host == "[fe80::1]:8080")
        #expect(try Self.request("GET / HTTP/1.1\r\nHost:\r\n\r\n")?.host == "")
        #expect(try Self.request("GET / HTTP/1.0\r\n\r\n")?.host == nil)
    }

    @Test(arguments: [
        // Line endings: a bare LF or CR is refused, never taken as a line end.
        ("GET / HTTP/1.1\nHost: h\n\n", HTTPHeadError.invalidLineEnding),
        ("GET / HTTP/1.1\r\nHost: h\n\r\n", .invalidLineEnding),
        ("GET / HTTP/1.1\r\nHost: h\r\n\n", .invalidLineEnding),
        ("GET / HTTP/1.1\rHost: h\r\n\r\n", .invalidLineEnding),
        ("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", .invalidLineEnding),
        // Request-line grammar.
        ("GET /\r\n\r\n", .malformedStartLine),
        ("GET\r\n\r\n", .malformedStartLine),
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .malformedStartLine),
        (" GET / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET /a\u{1}b HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET / http/1.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/1.10\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/1\r\nHost: h\r\n\r\n", .malformedStartLine),
        ("GET / HTTP/x.1\r\nHost: h\r\n\r\n", .malformedStartLine),
        // Well-formed versions that are not 1.x.
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/0.9\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .unsupportedVersion),
        // Field lines.
        ("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\nBad(Name): x\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7f}b\r\n\r\n", .malformedField),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1b}b\r\n\r\n", .malformedField),
    ] as [(String, HTTPHeadError)])
    func malformedRequest(text: String, error: HTTPHeadError) {
        #expect(throws: error) { try Self.request(text) }
        #expect(error.status == (error == .unsupportedVersion ? 505 : 400))
    }

    /// A bare LF is refused when it arrives, not when a head that never ends is given up on.
    @Test func bareLineFeedFailsAtOnce() {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        #expect(throws: HTTPHeadError.invalidLineEnding) { try parser.parse(Array("GET / HTTP/1.1\n".utf8)) }
    }

    /// After an error the stream is unframed: the parser keeps refusing it.
    @Test func anErrorSticks() {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        #expect(throws: HTTPHeadError.malformedStartLine) { try parser.parse(Array("GET  / HTTP/1.1\r\n".utf8)) }
        #expect(throws: HTTPHeadError.malformedStartLine) { try parser.parse(Self.curl) }
    }

    // MARK: limits

    /// A request whose head is exactly `size` bytes, padded by one field.
    static func request(ofSize size: Int) -> [UInt8] {
        let prefix = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let suffix = "\r\n\r\n"
        return Array((prefix + String(repeating: "p", count: size - prefix.utf8.count - suffix.utf8.count) + suffix).utf8)
    }

    @Test func headLimit() throws {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        let largest = Self.request(ofSize: 16 * 1024)
        #expect(try parser.parse(largest)?.head.fields["X-Pad"]?.utf8.count == 16 * 1024 - 36)
        // Through the stop-and-go of a real connection, one byte over is refused...
        var over = HTTPHeadParser<HTTPRequestHead>()
        let tooLarge = Self.request(ofSize: 16 * 1024 + 1)
        #expect(throws: HTTPHeadError.headTooLarge) {
            for start in stride(from: 0, to: tooLarge.count, by: 1000) {
                _ = try over.parse(tooLarge[start..<min(start + 1000, tooLarge.count)])
            }
        }
        // ... as is a head that never ends, once it passes the limit.
        var endless = HTTPHeadParser<HTTPRequestHead>()
        var fed = Array("GET / HTTP/1.1\r\nHost: h\r\n".utf8).count
        #expect(try endless.parse(Array("GET / HTTP/1.1\r\nHost: h\r\n".utf8)) == nil)
        // Bounded: a parser that never refused would fail the expectation, not hang the suite.
        #expect(throws: HTTPHeadError.headTooLarge) {
            for _ in 0..<1_000 {
                _ = try endless.parse(Array(("X-A: " + String(repeating: "b", count: 200) + "\r\n").utf8))
                fed += 207
            }
        }
        #expect(fed <= 16 * 1024)
        #expect(HTTPHeadError.headTooLarge.status == 431)
    }

    @Test func fieldCountLimit() throws {
        func request(fields: Int) -> String {
            "GET / HTTP/1.1\r\nHost: h\r\n" + (1..<fields).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        }
        #expect(try Self.request(request(fields: 100))?.fields.count == 100)
        #expect(throws: HTTPHeadError.tooManyFields) { try Self.request(request(fields: 101)) }
        #expect(HTTPHeadError.tooManyFields.status == 431)
        // Framing fields count too: the limit is on lines received.
        let limits = HTTPHeadLimits(maxFieldCount: 2)
        #expect(throws: HTTPHeadError.tooManyFields) {
            try Self.request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", limits: limits)
        }
    }

    @Test func targetLimit() throws {
        let longest = "/" + String(repeating: "t", count: 8 * 1024 - 1)
        #expect(try Self.request("GET \(longest) HTTP/1.1\r\nHost: h\r\n\r\n")?.target == longest)
        #expect(throws: HTTPHeadError.targetTooLong) { try Self.request("GET \(longest)t HTTP/1.1\r\nHost: h\r\n\r\n") }
        #expect(HTTPHeadError.targetTooLong.status == 414)
    }

    /// A target that never ends is refused soon after it passes the limit, before the head
    /// limit: 414, not 431.
    @Test func endlessTargetIsRefusedEarly() throws {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        var fed = 4
        #expect(try parser.parse(Array("GET /".utf8)) == nil)
        #expect(throws: HTTPHeadError.targetTooLong) {
            for _ in 0..<10_000 {
                _ = try parser.parse(Array(repeating: UInt8(ascii: "a"), count: 10))
                fed += 10
            }
        }
        #expect(fed > 8 * 1024)
        #expect(fed < 8 * 1024 + 100)
        // One chunk far beyond both limits gets the same verdict.
        #expect(throws: HTTPHeadError.targetTooLong) {
            try Self.request("GET /" + String(repeating: "a", count: 40_000))
        }
    }

    /// A start-line too long for any request whose target is not what is long: 400.
    @Test func endlessMethodIsABadRequest() {
        #expect(throws: HTTPHeadError.startLineTooLong) { try Self.request(String(repeating: "G", count: 9000)) }
        #expect(throws: HTTPHeadError.startLineTooLong) { try Self.request("GET / HTTP/1.1" + String(repeating: "1", count: 9000)) }
        #expect(HTTPHeadError.startLineTooLong.status == 400)
    }

    @Test func statusOfEveryError() {
        let statuses: [HTTPHeadError: Int] = [
            .invalidLineEnding: 400, .malformedStartLine: 400, .startLineTooLong: 400, .targetTooLong: 414,
            .unsupportedVersion: 505, .obsoleteLineFolding: 400, .malformedField: 400, .headTooLarge: 431,
            .tooManyFields: 431, .invalidContentLength: 400, .conflictingContentLength: 400, .invalidHost: 400,
            .unsupportedTransferEncoding: 501, .invalidTransferEncoding: 400,
        ]
        for (error, status) in statuses { #expect(error.status == status, "\(error)") }
    }

    // MARK: responses

    @Test func responseSplitAtEveryBoundary() throws {
        let head = Array("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-199/1000\r\nContent-Length: 100\r\nConnection: close\r\n\r\n".utf8)
        let stream = head + Array(repeating: 7, count: 100)
        for i in 0...head.count {
            var parser = HTTPHeadParser<HTTPResponseHead>()
            var parsed = try parser.parse(stream[..<i])
            var offset = 0
            if parsed == nil {
                parsed = try parser.parse(stream[i...])
                offset = i
            }
            let result = try #require(parsed)
            #expect(offset + result.bodyStart == head.count)
            #expect(result.head.status == 206)
            #expect(result.head.reason == "Partial Content")
            #expect(result.head.contentLength == 100)
            #expect(!result.head.persistent)
            #expect(result.head.fields["content-range"] == "bytes 100-199/1000")
            #expect(result.head.bodyLength(respondingTo: "GET") == .fixed(100))
        }
    }

    @Test func responseStatusLines() throws {
        #expect(try Self.response("HTTP/1.1 200\r\n\r\n")?.reason == "")
        #expect(try Self.response("HTTP/1.1 200 \r\n\r\n")?.reason == "")
        #expect(try Self.response("HTTP/1.1 404 Not  Found here\r\n\r\n")?.reason == "Not  Found here")
        #expect(try Self.response("HTTP/1.0 200 OK\r\n\r\n")?.persistent == false)
        for bad in ["HTTP/1.1 99 X", "HTTP/1.1 600 X", "HTTP/1.1 2000 X", "HTTP/1.1 20a X", "HTTP/1.1  200 X", "HTTP/1.1", "200 OK", "HTTP/1.1 200 A\u{1}"] {
            #expect(throws: HTTPHeadError.malformedStartLine, "\(bad)") { try Self.response(bad + "\r\n\r\n") }
        }
        #expect(throws: HTTPHeadError.unsupportedVersion) { try Self.response("HTTP/2.0 200 OK\r\n\r\n") }
        // A response is not preceded by empty lines.
        #expect(throws: HTTPHeadError.malformedStartLine) { try Self.response("\r\nHTTP/1.1 200 OK\r\n\r\n") }
        #expect(throws: HTTPHeadError.unsupportedTransferEncoding) {
            try Self.response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.conflictingContentLength) {
            try Self.response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        }
        #expect(throws: HTTPHeadError.headTooLarge) {
            try Self.response("HTTP/1.1 200 " + String(repeating: "x", count: 17_000))
        }
    }

    @Test func responseBodyLength() throws {
        let withLength = try #require(try Self.response("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"))
        #expect(withLength.bodyLength(respondingTo: "GET") == .fixed(42))
        #expect(withLength.bodyLength(respondingTo: "HEAD") == HTTPResponseHead.BodyLength.none)
        let noLength = try #require(try Self.response("HTTP/1.1 200 OK\r\n\r\n"))
        #expect(noLength.bodyLength(respondingTo: "GET") == .untilClose)
        for status in [100, 204, 304] {
            let head = try #require(try Self.response("HTTP/1.1 \(status) X\r\nContent-Length: 42\r\n\r\n"))
            #expect(head.bodyLength(respondingTo: "GET") == HTTPResponseHead.BodyLength.none)
        }
    }
}
