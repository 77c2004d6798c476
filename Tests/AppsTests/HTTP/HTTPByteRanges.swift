import Apps
import Testing

/// Every form of the Range field (RFC 9110 §14.1.2) against a representation's length, the
/// answer each one gets, and the Content-Range values of 206 and 416.
@Suite("HTTP byte ranges")
struct HTTPByteRanges {
    static func range(_ first: Int64, _ last: Int64) -> ByteRange { ByteRange(first: first, last: last)! }

    @Test(arguments: [
        ("bytes=100-199", 100, 199, "bytes 100-199/1000"),
        ("bytes=100-", 100, 999, "bytes 100-999/1000"),
        ("bytes=-100", 900, 999, "bytes 900-999/1000"),
        ("bytes=0-0", 0, 0, "bytes 0-0/1000"),
        ("bytes=0-", 0, 999, "bytes 0-999/1000"),
        ("bytes=999-", 999, 999, "bytes 999-999/1000"),
        ("bytes=999-999", 999, 999, "bytes 999-999/1000"),
        ("bytes=-1", 999, 999, "bytes 999-999/1000"),
        // A last-pos beyond the end, or a suffix longer than the file, is clamped.
        ("bytes=500-5000", 500, 999, "bytes 500-999/1000"),
        ("bytes=-5000", 0, 999, "bytes 0-999/1000"),
        ("bytes=0-99999999999999999999999", 0, 999, "bytes 0-999/1000"),
        ("bytes=-99999999999999999999999", 0, 999, "bytes 0-999/1000"),
        // The unit is case-insensitive; leading zeros are digits; empty list elements are ignored.
        ("BYTES=100-199", 100, 199, "bytes 100-199/1000"),
        ("Bytes=0100-0199", 100, 199, "bytes 100-199/1000"),
        ("bytes=100-199,", 100, 199, "bytes 100-199/1000"),
        ("bytes=, 100-199 ,", 100, 199, "bytes 100-199/1000"),
    ] as [(String, Int64, Int64, String)])
    func partial(field: String, first: Int64, last: Int64, contentRange: String) {
        let selection = ByteRange.select(field, length: 1000)
        #expect(selection == .partial(Self.range(first, last)))
        if case let .partial(range) = selection {
            #expect(range.contentRange(completeLength: 1000) == contentRange)
            #expect(range.count == last - first + 1)
        }
    }

    @Test(arguments: ["bytes=1000-", "bytes=1000-1000", "bytes=5000-6000", "bytes=-0", "bytes=99999999999999999999999-"])
    func unsatisfiable(field: String) {
        #expect(ByteRange.select(field, length: 1000) == .unsatisfiable)
        #expect(ByteRange.unsatisfiedContentRange(completeLength: 1000) == "bytes */1000")
    }

    /// Another unit must be ignored (RFC 9110 §14.2); several ranges would need a multipart
    /// body, so they are ignored too.
    @Test(arguments: ["items=0-1", "none=", "bytes=0-1,5-6", "bytes=0-1, -5", "bytes=0-999,0-999", "bytes=2000-,3000-"])
    func unsupported(field: String) {
        #expect(ByteRange.select(field, length: 1000) == .unsupported)
    }

    @Test(arguments: [
        "", "bytes", "bytes 0-1", "=0-1", "bytes =0-1", "by tes=0-1", "bytes=", "bytes=,", "bytes=-", "bytes=5", "bytes=5-4",
        "bytes=--1", "bytes=1--", "bytes=1-2-3", "bytes=+1-2", "bytes=1-+2", "bytes=a-b", "bytes=0x1-2", "bytes=1 -2",
        "bytes=0-1,x", "bytes=0-1,5-4", "bytes=-1-2",
    ])
    func invalid(field: String) {
        #expect(ByteRange.select(field, length: 1000) == .invalid)
    }

    /// A zero-length file: only a suffix range is satisfiable, and it selects nothing.
    @Test func zeroLengthRepresentation() {
        #expect(ByteRange.select("bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRange.select("bytes=0-0", length: 0) == .unsatisfiable)
        #expect(ByteRange.select("bytes=-0", length: 0) == .unsatisfiable)
        #expect(ByteRange.select("bytes=-5", length: 0) == .empty)
        #expect(ByteRange.unsatisfiedContentRange(completeLength: 0) == "bytes */0")
    }

    @Test func oneByteRepresentation() {
        #expect(ByteRange.select("bytes=0-", length: 1) == .partial(Self.range(0, 0)))
        #expect(ByteRange.select("bytes=-9", length: 1) == .partial(Self.range(0, 0)))
        #expect(ByteRange.select("bytes=1-", length: 1) == .unsatisfiable)
    }

    @Test func hugeRepresentation() {
        #expect(ByteRange.select("bytes=-1", length: Int64.max) == .partial(Self.range(Int64.max - 1, Int64.max - 1)))
        #expect(ByteRange.select("bytes=9223372036854775806-", length: Int64.max) == .partial(Self.range(Int64.max - 1, Int64.max - 1)))
    }

    @Test func rangesCannotBeEmptyOrBackwards() {
        #expect(ByteRange(first: 5, last: 4) == nil)
        #expect(ByteRange(first: -1, last: 4) == nil)
        #expect(ByteRange(first: 4, last: 4)?.count == 1)
    }

    /// What curl sends for `-C -` and what our client sends to resume.
    @Test func resume() {
        #expect(ByteRange.resumeField(from: 100) == "bytes=100-")
        #expect(ByteRange.select(ByteRange.resumeField(from: 100), length: 1000) == .partial(Self.range(100, 999)))
        // Resuming a download that is already complete: 416, and the client learns the length.
        #expect(ByteRange.select(ByteRange.resumeField(from: 1000), length: 1000) == .unsatisfiable)
    }

    @Test func contentRangeAsTheClientReadsIt() {
        #expect(ByteRange.ContentRange("bytes 100-199/1000") == .satisfied(Self.range(100, 199), completeLength: 1000))
        #expect(ByteRange.ContentRange("bytes 100-199/*") == .satisfied(Self.range(100, 199), completeLength: nil))
        #expect(ByteRange.ContentRange("bytes */1000") == .unsatisfied(completeLength: 1000))
        #expect(ByteRange.ContentRange("Bytes 0-0/1") == .satisfied(Self.range(0, 0), completeLength: 1))
        for bad in ["", "bytes", "bytes 100-199", "bytes 199-100/1000", "bytes 0-1000/1000", "bytes */*", "items 0-1/2",
                    "bytes -1-2/3", "bytes 1-2/x", "bytes 1/3", "bytes=1-2/3"] {
            #expect(ByteRange.ContentRange(bad) == nil, "\(bad)")
        }
        // What the server writes, the client reads back.
        let range = Self.range(100, 199)
        #expect(ByteRange.ContentRange(range.contentRange(completeLength: 1000)) == .satisfied(range, completeLength: 1000))
        #expect(ByteRange.ContentRange(ByteRange.unsatisfiedContentRange(completeLength: 7)) == .unsatisfied(completeLength: 7))
    }

    /// The curl request end to end: its Range field, read against a 1000-byte file, gives the
    /// head of a 206 whose Content-Range the client accepts.
    @Test func curlResumeGetsA206() throws {
        var parser = HTTPHeadParser<HTTPRequestHead>()
        let curl = Array("GET /a.bin HTTP/1.1\r\nHost: 10.0.2.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nRange: bytes=100-\r\n\r\n".utf8)
        let request = try #require(try parser.parse(curl)?.head)
        let field = try #require(request.fields["Range"])
        guard case let .partial(range) = ByteRange.select(field, length: 1000) else {
            Issue.record("not a partial selection")
            return
        }
        let response = HTTPResponseHead(status: 206, fields: ["Content-Range": range.contentRange(completeLength: 1000)], contentLength: range.count)
        #expect(String(decoding: response.serialized(), as: UTF8.self)
            == "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-999/1000\r\nContent-Length: 900\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test("a Content-Range whose last byte is Int64.max is refused: its count would not fit")
    func contentRangeAtTheTopOfInt64() {
        #expect(ByteRange.ContentRange("bytes 0-9223372036854775807/*") == nil)
        #expect(ByteRange(first: 0, last: Int64.max) == nil)
        #expect(ByteRange(first: 0, last: Int64.max - 1)?.count == Int64.max)
    }
}
