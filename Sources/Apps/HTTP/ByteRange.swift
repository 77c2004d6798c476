/// One contiguous, non-empty run of a representation's bytes, `first...last` (inclusive, as
/// HTTP writes them): what a `Range: bytes=…` request selects once it is read against the
/// file's length (RFC 9110 §14.1.2), and what a 206 response's Content-Range names.
public struct ByteRange: Sendable, Hashable {
    public let first: Int64
    public let last: Int64

    /// nil unless 0 <= first <= last < Int64.max (so that `count` fits: a peer's
    /// `Content-Range: bytes 0-9223372036854775807/*` would otherwise trap on it).
    public init?(first: Int64, last: Int64) {
        guard first >= 0, first <= last, last < Int64.max else { return nil }
        self.first = first
        self.last = last
    }

    public var count: Int64 { last - first + 1 }

    /// What a Range header asks of a representation of a given length, and so how to answer.
    public enum Selection: Sendable, Hashable {
        /// 206 Partial Content with `contentRange(completeLength:)`.
        case partial(ByteRange)
        /// A satisfiable range of a zero-length representation (only a suffix range is,
        /// RFC 9110 §14.1.1): it selects no byte, which Content-Range cannot express, so the
        /// answer is 200 with the (empty) whole.
        case empty
        /// 416 Range Not Satisfiable with `unsatisfiedContentRange(completeLength:)` (RFC 9110
        /// §15.5.17): the range starts at or beyond the end, or is a zero-length suffix.
        case unsatisfiable
        /// A unit other than bytes, which a server must ignore (RFC 9110 §14.2), or several
        /// ranges, which would need a multipart/byteranges body we do not produce and which
        /// a server may ignore: answer 200 with the whole representation.
        case unsupported
        /// Not valid Range syntax. RFC 9110 §14.2 lets a server ignore or reject it; ignoring
        /// it (200, the whole representation) is what we recommend, as curl and browsers never
        /// send it and a reject gains nothing.
        case invalid
    }

    /// Reads a Range field value against a representation of `length` bytes. Only GET has range
    /// semantics (RFC 9110 §14.2): the server does not call this for other methods. Numbers
    /// too large for Int64 are treated as "beyond any file", not as errors, since they are valid
    /// syntax: a first-pos saturates (unsatisfiable), a last-pos or suffix-length clamps.
    public static func select(_ rangeField: String, length: Int64) -> Selection {
        let value = Array(rangeField.utf8)
        guard let equals = value.firstIndex(of: UInt8(ascii: "=")) else { return .invalid }
        let unit = value[..<equals]
        guard HTTPSyntax.isToken(unit) else { return .invalid }
        guard HTTPSyntax.equalsIgnoringCase(String(decoding: unit, as: UTF8.self), "bytes") else { return .unsupported }
        let specs = value[(equals + 1)...]
            .split(separator: HTTPSyntax.comma, omittingEmptySubsequences: false)
            .map { HTTPSyntax.trimmingWhitespace($0) }
            .filter { !$0.isEmpty }
        let parsed = specs.compactMap(Spec.init)
        guard !specs.isEmpty, parsed.count == specs.count else { return .invalid }
        guard parsed.count == 1 else { return .unsupported }
        return parsed[0].select(length: length)
    }

    /// The Content-Range of a 206: `bytes 100-199/1000`.
    public func contentRange(completeLength: Int64) -> String {
        "bytes \(first)-\(last)/\(completeLength)"
    }

    /// The Content-Range of a 416: `bytes */1000`, so the client learns the current length.
    public static func unsatisfiedContentRange(completeLength: Int64) -> String {
        "bytes */\(completeLength)"
    }

    /// The Range a client sends to resume a download it has `offset` bytes of.
    public static func resumeField(from offset: Int64) -> String {
        "bytes=\(offset)-"
    }

    /// A Content-Range as a client receives it (RFC 9110 §14.4), to check that a 206 starts
    /// where it asked, or to learn the length from a 416.
    public enum ContentRange: Sendable, Hashable {
        /// `bytes first-last/length`; length nil for `/*` (unknown).
        case satisfied(ByteRange, completeLength: Int64?)
        /// `bytes */length`.
        case unsatisfied(completeLength: Int64)

        public init?(_ field: String) {
            let value = Array(HTTPSyntax.trimmingWhitespace(Array(field.utf8)))
            guard let space = value.firstIndex(of: HTTPSyntax.space),
                  HTTPSyntax.equalsIgnoringCase(String(decoding: value[..<space], as: UTF8.self), "bytes"),
                  let slash = value.lastIndex(of: UInt8(ascii: "/")), slash > space
            else { return nil }
            let rangePart = value[(space + 1)..<slash]
            let lengthPart = value[(slash + 1)...]
            if rangePart.elementsEqual("*".utf8) {
                guard let length = HTTPSyntax.decimal(lengthPart) else { return nil }
                self = .unsatisfied(completeLength: length)
                return
            }
            let length: Int64?
            if lengthPart.elementsEqual("*".utf8) {
                length = nil
            } else {
                guard let known = HTTPSyntax.decimal(lengthPart) else { return nil }
                length = known
            }
            let bounds = rangePart.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
            guard bounds.count == 2, let first = HTTPSyntax.decimal(bounds[0]), let last = HTTPSyntax.decimal(bounds[1]),
                  let range = ByteRange(first: first, last: last)
            else { return nil }
            // RFC 9110 §14.4: a range that does not lie within the stated length is invalid.
            if let length, last >= length { return nil }
            self = .satisfied(range, completeLength: length)
        }
    }

    /// One range-spec of the bytes unit (RFC 9110 §14.1.2).
    private enum Spec {
        /// `first-` or `first-last`
        case from(Int64, through: Int64?)
        /// `-suffix`
        case suffix(Int64)

        init?(_ bytes: ArraySlice<UInt8>) {
            guard let dash = bytes.firstIndex(of: UInt8(ascii: "-")) else { return nil }
            let before = bytes[..<dash]
            let after = bytes[(dash + 1)...]
            if before.isEmpty {
                guard let suffix = Spec.saturatingDecimal(after) else { return nil }
                self = .suffix(suffix)
                return
            }
            guard let first = Spec.saturatingDecimal(before) else { return nil }
            if after.isEmpty {
                self = .from(first, through: nil)
                return
            }
            // A last-pos below first-pos makes the range-spec invalid (RFC 9110 §14.1.1).
            guard let last = Spec.saturatingDecimal(after), last >= first else { return nil }
            self = .from(first, through: last)
        }

        func select(length: Int64) -> Selection {
            switch self {
            case let .from(first, through: last):
                guard first < length else { return .unsatisfiable }
                return .partial(ByteRange(first: first, last: min(last ?? length - 1, length - 1))!)
            case let .suffix(suffix):
                guard suffix > 0 else { return .unsatisfiable }
                guard length > 0 else { return .empty }
                return .partial(ByteRange(first: length - min(suffix, length), last: length - 1)!)
            }
        }

        /// 1*DIGIT, saturating at Int64.max instead of failing.
        static func saturatingDecimal(_ bytes: ArraySlice<UInt8>) -> Int64? {
            guard !bytes.isEmpty, bytes.allSatisfy(HTTPSyntax.isDigit) else { return nil }
            return HTTPSyntax.decimal(bytes) ?? Int64.max
        }
    }
}
