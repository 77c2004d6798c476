/// The character classes and small productions of RFC 9110 §5.6 and RFC 9112 that the head
/// parser, the serializers and `ByteRange` share. They work on bytes, not Characters: HTTP's
/// grammar is defined over octets, and Swift's grapheme clustering would merge a CR with a
/// following LF or a "/" with a combining mark.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")

    /// tchar (RFC 9110 §5.6.2): what field names, methods and range units are made of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isTokenByte)
    }

    /// field-content octets (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB. NUL, CR, LF and the
    /// other controls are refused rather than replaced: a message carrying them is either
    /// broken or an attempt to smuggle a second message past us.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7f)
    }

    /// VCHAR (RFC 5234): the only octets a request-target may hold (RFC 9112 §3.2).
    static func isVisibleASCII(_ byte: UInt8) -> Bool {
        byte >= 0x21 && byte <= 0x7e
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Drops optional whitespace (OWS: SP / HTAB) at both ends.
    static func trimmingWhitespace<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == space || bytes[start] == tab { start = bytes.index(after: start) }
        while end > start {
            let before = bytes.index(before: end)
            guard bytes[before] == space || bytes[before] == tab else { break }
            end = before
        }
        return bytes[start..<end]
    }

    /// 1*DIGIT as an Int64; nil for anything else (sign, spaces, empty) or a value that does not fit.
    static func decimal(_ bytes: some Collection<UInt8>) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// The elements of a comma-separated list field (RFC 9110 §5.6.1), whitespace-trimmed,
    /// with the empty elements a recipient must tolerate dropped.
    static func listElements(_ value: String) -> [Substring] {
        value.split(separator: ",", omittingEmptySubsequences: false)
            .map { element in
                var element = element[...]
                while element.first == " " || element.first == "\t" { element = element.dropFirst() }
                while element.last == " " || element.last == "\t" { element = element.dropLast() }
                return element
            }
            .filter { !$0.isEmpty }
    }

    /// ASCII-only case-insensitive equality: field names, tokens and units are ASCII, and
    /// Foundation's locale-aware comparisons would fold more than HTTP allows.
    static func equalsIgnoringCase(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.elementsEqual(b.utf8) { lowercased($0) == lowercased($1) }
    }

    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// Field values are kept as ISO-8859-1 text: every octet maps to one Unicode scalar and
    /// back, so a value survives parse and serialize unchanged, and obs-text stays the opaque
    /// data RFC 9110 §5.5 says it is.
    static func latin1String(_ bytes: some Sequence<UInt8>) -> String {
        var string = ""
        string.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return string
    }

    /// The octets of a field value on the wire. CR, LF and NUL become SP (the repair RFC 9110
    /// §5.5 allows), so a value built from untrusted text — a file name — cannot split the
    /// message; a scalar beyond ISO-8859-1 has no single octet and becomes "?".
    static func appendFieldValue(_ value: String, to bytes: inout [UInt8]) {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x00, 0x0a, 0x0d: bytes.append(space)
            case 0x01...0xff: bytes.append(UInt8(scalar.value))
            default: bytes.append(UInt8(ascii: "?"))
            }
        }
    }

    /// A method or field name on the wire. They come from our own code, never from data, so a
    /// name that is not a token is a programming error, not input to repair.
    static func appendToken(_ token: String, to bytes: inout [UInt8]) {
        precondition(isToken(token.utf8), "not an HTTP token: \(token)")
        bytes.append(contentsOf: token.utf8)
    }

    static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: text.utf8)
    }

    static func appendLineEnd(to bytes: inout [UInt8]) {
        bytes.append(cr)
        bytes.append(lf)
    }
}
