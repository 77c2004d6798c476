/// An HTTP-version (RFC 9112 §2.3): `HTTP/` DIGIT `.` DIGIT. Only major version 1 is spoken
/// here; the minor version decides whether a connection persists by default.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http10 = HTTPVersion(major: 1, minor: 0)
    public static let http11 = HTTPVersion(major: 1, minor: 1)

    /// HTTP/1.1 made persistence the default; HTTP/1.0 closes unless asked not to (RFC 9112 §9.3).
    /// A higher 1.x minor counts as 1.1 (RFC 9110 §6.2: process it as the highest minor we know).
    public var persistsByDefault: Bool { major == 1 && minor >= 1 }

    public var description: String { "HTTP/\(major).\(minor)" }

    /// Parses exactly eight octets; case-sensitive, as the grammar is. Versions that are well
    /// formed but not 1.x are reported separately so the server can answer 505 rather than 400.
    static func parse(_ bytes: some Collection<UInt8>) throws(HTTPHeadError) -> HTTPVersion {
        let octets = Array(bytes)
        guard octets.count == 8, octets[0..<5].elementsEqual("HTTP/".utf8),
              HTTPSyntax.isDigit(octets[5]), octets[6] == UInt8(ascii: "."), HTTPSyntax.isDigit(octets[7])
        else { throw .malformedStartLine }
        let version = HTTPVersion(major: Int(octets[5] - UInt8(ascii: "0")), minor: Int(octets[7] - UInt8(ascii: "0")))
        guard version.major == 1 else { throw .unsupportedVersion }
        return version
    }
}
