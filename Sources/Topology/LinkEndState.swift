import SmartNIC

/// What one of a node's interfaces does to frames right now, as `stats --json` reports it per
/// port under `links`: whether the link is up, and every impairment field of the frames it
/// sends and of those arriving from a peer with no port of ours, written as `link set` reads
/// them. `nicbed web` draws these; a script can diff them.
public struct LinkEndState: Codable, Sendable, Equatable {
    public var up: Bool
    /// Field name → value for the frames this end sends (`"loss": "5%"`).
    public var sends: [String: String]
    /// The same for frames arriving from the peer, applied here because the peer is a linux
    /// or external node (`link set l1:eth0 …` comes here as `--incoming`).
    public var arriving: [String: String]

    public init(up: Bool, egress: Impairments, ingress: Impairments) {
        self.up = up
        sends = Self.fields(egress)
        arriving = Self.fields(ingress)
    }

    static func fields(_ impairments: Impairments) -> [String: String] {
        Dictionary(uniqueKeysWithValues: ImpairmentField.allCases.map { ($0.rawValue, $0.value(in: impairments)) })
    }

    /// The fields that differ from an unimpaired link, in `link set`'s order: "delay 20ms, loss 5%";
    /// "" when nothing is impaired. The queue counts only under a rate limit, which it feeds.
    public static func summary(_ fields: [String: String]) -> String {
        let unimpaired = Self.fields(.none)
        return ImpairmentField.allCases.compactMap { field -> String? in
            guard let value = fields[field.rawValue], value != unimpaired[field.rawValue] else { return nil }
            if field == .queue && fields[ImpairmentField.rate.rawValue] == unimpaired[ImpairmentField.rate.rawValue] { return nil }
            return "\(field.rawValue) \(value)"
        }.joined(separator: ", ")
    }
}
