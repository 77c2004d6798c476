/// Why bytes could not be read as a protocol header. Parsers return these instead of trapping:
/// whatever arrives from the network, a node keeps running.
public enum WireError: Error, Equatable, CustomStringConvertible {
    /// The buffer ends before the header (or the length a header field claims) does.
    case truncated(layer: String, needed: Int, available: Int)
    /// A field holds a value the protocol does not allow.
    case malformed(layer: String, reason: String)
    /// The checksum does not verify.
    case badChecksum(layer: String)

    public var description: String {
        switch self {
        case let .truncated(layer, needed, available):
            return "\(layer): truncated (needs \(needed) bytes, \(available) available)"
        case let .malformed(layer, reason):
            return "\(layer): malformed (\(reason))"
        case let .badChecksum(layer):
            return "\(layer): bad checksum"
        }
    }
}
