// Addresses are written as people write them (`10.0.0.1/24`, `02:00:00:00:00:01`) wherever
// they are encoded, so a node's resolved configuration reads like its topology file.

extension IPv4Address {
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder, as: "an IPv4 address", IPv4Address.init)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension IPv4Interface {
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder, as: "an IPv4 address with prefix length", IPv4Interface.init)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension MACAddress {
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder, as: "a MAC address", MACAddress.init)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private func decodeText<Value>(from decoder: any Decoder, as what: String, _ parse: (String) -> Value?) throws -> Value {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = parse(text) else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not \(what)")
    }
    return value
}
