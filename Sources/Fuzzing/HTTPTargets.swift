import Apps

/// HTTP heads as the file server reads requests and fetch reads responses: parsed whole, and in
/// two chunks cut where the first byte says, the two must agree (the same head, or both
/// refused, or both waiting for more).
enum HTTPHeadTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard !input.isEmpty else { return }
        let bytes = Array(input.dropFirst())
        let cut = Int(input[0]) % (bytes.count + 1)
        compare(HTTPRequestHead.self, bytes, cut: cut)
        compare(HTTPResponseHead.self, bytes, cut: cut)
    }

    enum Outcome<Head: Equatable>: Equatable {
        case head(Head, bodyStart: Int)
        case refused(HTTPHeadError)
        case incomplete
    }

    static func compare<Head: HTTPParsableHead & Equatable>(_: Head.Type, _ bytes: [UInt8], cut: Int) {
        var whole = HTTPHeadParser<Head>()
        let once: Outcome<Head>
        do {
            once = try whole.parse(bytes).map { .head($0.head, bodyStart: $0.bodyStart) } ?? .incomplete
        } catch {
            once = .refused(error)
        }
        var split = HTTPHeadParser<Head>()
        let twice: Outcome<Head>
        do {
            if let parsed = try split.parse(bytes[..<cut]) {
                twice = .head(parsed.head, bodyStart: parsed.bodyStart)
            } else if let parsed = try split.parse(bytes[cut...]) {
                twice = .head(parsed.head, bodyStart: cut + parsed.bodyStart)
            } else {
                twice = .incomplete
            }
        } catch {
            twice = .refused(error)
        }
        invariant(once == twice, "\(Head.self) whole: \(once); cut at \(cut): \(twice)")
        if case let .head(_, bodyStart) = once { invariant(bodyStart <= bytes.count, "a head ends at \(bodyStart) of \(bytes.count) bytes") }
    }
}

/// A Range field (the server's) and a Content-Range field (fetch's) against a length: the first
/// eight bytes are the length, the rest the field.
enum ByteRangeTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard input.count >= 8 else { return }
        var raw: UInt64 = 0
        for byte in input[..<8] { raw = raw << 8 | UInt64(byte) }
        let length = Int64(raw & UInt64(Int64.max))
        let field = String(decoding: input[8...], as: UTF8.self)
        if case let .partial(range) = ByteRange.select(field, length: length) {
            invariant(range.first >= 0 && range.first <= range.last && range.last < length,
                      "range \(range.first)-\(range.last) selected from \(length) bytes by '\(field)'")
            invariant(range.count <= length, "a range of \(range.count) bytes from \(length)")
            _ = range.contentRange(completeLength: length)
        }
        if case let .satisfied(range, complete)? = ByteRange.ContentRange(field) {
            invariant(range.first <= range.last, "Content-Range '\(field)' read as \(range.first)-\(range.last)")
            if let complete { invariant(range.last < complete, "Content-Range '\(field)' ends past its length \(complete)") }
        }
    }
}
