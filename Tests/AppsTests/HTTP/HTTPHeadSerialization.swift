import Apps
import Testing

/// Heads written by our server and client: exact bytes for the common cases, and a parse of
/// every serialized head gives the head back.
@Suite("HTTP head serialization")
struct HTTPHeadSerialization {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func parseRequest(_ bytes: [UInt8]) throws -> HTTPRequestHead {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        let parsed = try #require(try parser.parse(bytes))
        #expect(parsed.bodyBytesInChunk == 0)
        return parsed.head
    }

    static func parseResponse(_ bytes: [UInt8]) throws -> HTTPResponseHead {
        var parser = HTTPHeadParser<HTTPResponseHead>()
        let parsed = try #require(try parser.parse(bytes))
        #expect(parsed.bodyBytesInChunk == 0)
        return parsed.head
    }

    @Test func requestBytes() {
        let get = HTTPRequestHead(method: "GET", target: "/a.bin", fields: ["Host": "10.0.2.1:8080", "Range": "bytes=100-"])
        #expect(Self.text(get.serialized()) == "GET /a.bin HTTP/1.1\r\nHost: 10.0.2.1:8080\r\nRange: bytes=100-\r\nConnection: keep-alive\r\n\r\n")
        let put = HTTPRequestHead(method: "PUT", target: "/up.bin", fields: ["Host": "h"], contentLength: 5, persistent: false)
        #expect(Self.text(put.serialized()) == "PUT /up.bin HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
    }

    @Test func responseBytes() {
        let partial = HTTPResponseHead(status: 206, fields: ["Content-Range": "bytes 100-199/1000"], contentLength: 100)
        #expect(Self.text(partial.serialized()) == "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-199/1000\r\nContent-Length: 100\r\nConnection: keep-alive\r\n\r\n")
        let notFound = HTTPResponseHead(status: 404, contentLength: 0, persistent: false)
        #expect(Self.text(notFound.serialized()) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        // An interim 100 is a bare status line: the final response carries the framing.
        #expect(Self.text(HTTPResponseHead(status: 100, contentLength: 9).serialized()) == "HTTP/1.1 100 Continue\r\n\r\n")
        // 204 must not carry Content-Length (RFC 9110 §8.6).
        #expect(Self.text(HTTPResponseHead(status: 204, contentLength: 9).serialized()) == "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test(arguments: [
        HTTPRequestHead(method: "GET", target: "/a.bin", fields: ["Host": "10.0.2.1:8080", "User-Agent": "curl/7.88.1", "Accept": "*/*", "Range": "bytes=100-"]),
        HTTPRequestHead(method: "HEAD", target: "/dir/file%20name?x=1", fields: ["Host": "h"], persistent: false),
        HTTPRequestHead(method: "PUT", target: "/up.bin", fields: ["Host": "h", "Expect": "100-continue"], contentLength: 0),
        HTTPRequestHead(method: "PUT", target: "/big", fields: ["Host": "h"], contentLength: Int64.max),
        HTTPRequestHead(method: "GET", target: "/", version: .http10),
        HTTPRequestHead(method: "GET", target: "/", version: .http10, persistent: true),
        HTTPRequestHead(method: "GET", target: "/", fields: ["Host": "h", "X-Dup": "1", "x-dup": "2", "X-Latin": "caf\u{e9}"]),
    ])
    func requestRoundTrip(head: HTTPRequestHead) throws {
        #expect(try Self.parseRequest(head.serialized()) == head)
    }

    @Test(arguments: [
        HTTPResponseHead(status: 200, contentLength: 1000),
        HTTPResponseHead(status: 206, fields: ["Content-Range": "bytes 100-199/1000", "Accept-Ranges": "bytes"], contentLength: 100),
        HTTPResponseHead(status: 416, fields: ["Content-Range": "bytes */1000"], contentLength: 0),
        HTTPResponseHead(status: 404, contentLength: 0, persistent: false),
        HTTPResponseHead(status: 201, fields: ["Location": "/up.bin"], contentLength: 0),
        HTTPResponseHead(status: 204),
        HTTPResponseHead(status: 505, reason: "Version Not Supported Here", contentLength: 0, persistent: false),
        HTTPResponseHead(status: 200, version: .http10, contentLength: 3, persistent: false),
    ])
    func responseRoundTrip(head: HTTPResponseHead) throws {
        #expect(try Self.parseResponse(head.serialized()) == head)
    }

    /// Parse, serialize, parse: the curl request comes back the same, its fields in order.
    @Test func parsedRequestSerializesBackToItself() throws {
        let curl = Array("GET /a.bin HTTP/1.1\r\nHost: 10.0.2.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nRange: bytes=100-\r\n\r\n".utf8)
        let head = try Self.parseRequest(curl)
        let again = try Self.parseRequest(head.serialized())
        #expect(again == head)
        #expect(again.fields.map(\.name) == ["Host", "User-Agent", "Accept", "Range"])
    }

    /// The properties own framing: a stale Content-Length or Connection in `fields` is not
    /// written, so a head never says two things about its own length.
    @Test func framingFieldsAreWrittenOnce() throws {
        let head = HTTPRequestHead(method: "PUT", target: "/x",
                                   fields: ["Host": "h", "content-length": "99", "Connection": "keep-alive", "Transfer-Encoding": "chunked"],
                                   contentLength: 5, persistent: false)
        #expect(Self.text(head.serialized()) == "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
        let response = HTTPResponseHead(status: 200, fields: ["Content-Length": "1"], contentLength: 2)
        #expect(try Self.parseResponse(response.serialized()).contentLength == 2)
    }

    /// A value built from untrusted text (a file name in a Location) cannot add a line.
    @Test func valuesCannotSplitTheHead() throws {
        let response = HTTPResponseHead(status: 201, fields: ["Location": "/a\r\nSet-Cookie: x=1\r\n\r\nbody\u{0}"], contentLength: 0)
        let parsed = try Self.parseResponse(response.serialized())
        #expect(parsed.fields.count == 1)
        #expect(parsed.fields["Location"] == "/a  Set-Cookie: x=1    body")
        // Beyond ISO-8859-1 there is no single octet: "?" stands in.
        let wide = HTTPResponseHead(status: 200, fields: ["X-Name": "\u{1F600}"], contentLength: 0)
        #expect(try Self.parseResponse(wide.serialized()).fields["X-Name"] == "?")
        let reason = HTTPResponseHead(status: 200, reason: "OK\r\nX: y", contentLength: 0)
        #expect(try Self.parseResponse(reason.serialized()).fields.count == 0)
    }

    /// A target with octets a request-target may not hold is percent-encoded, not sent raw.
    @Test func targetsStayOneToken() throws {
        let head = HTTPRequestHead(method: "GET", target: "/a b\r\nX: y/caf\u{e9}", fields: ["Host": "h"])
        let parsed = try Self.parseRequest(head.serialized())
        #expect(parsed.target == "/a%20b%0D%0AX:%20y/caf%C3%A9")
        #expect(parsed.fields.count == 1)
    }

    @Test func reasonPhrases() {
        #expect(HTTPResponseHead(status: 416).reason == "Range Not Satisfiable")
        #expect(HTTPResponseHead(status: 431).reason == "Request Header Fields Too Large")
        #expect(HTTPResponseHead(status: 299).reason == "")
    }
}
