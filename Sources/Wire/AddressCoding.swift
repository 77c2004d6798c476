// Addresses are written as people write them (`10.0.0.1/24`, `02:00:00:00:00:01`) wherever
// they are encoded, so a node's resolved configuration reads like its topology file.

/// A value encoded as its text (`description`) and decoded by parsing it back; a text that
/// does not parse is refused, naming what it is and what was expected (`textKind`).
public protocol CodedAsText: Codable, CustomStringConvertible {
    /// What the text should be, for errors: "an IPv4 address".
    static var textKind: String { get }
    init?(_ text: String)
}

extension CodedAsText {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not \(Self.textKind)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv4Address: CodedAsText {
    public static var textKind: String { "an IPv4 address" }
}

extension IPv4Interface: CodedAsText {
    public static var textKind: String { "an IPv4 address with prefix length" }
}

extension MACAddress: CodedAsText {
    public static var textKind: String { "a MAC address" }
}
