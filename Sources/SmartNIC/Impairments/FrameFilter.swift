import Wire

/// A rule that picks the frames a port sends by their headers, and drops, delays or corrupts
/// them: the faults a real host's tools cannot aim — only SYNs (new connections fail,
/// established ones live on), only pure ACKs, one host's traffic (a partition, one-way if set
/// on one side only), every Nth segment. Rules are matched in order before the impairments;
/// the first rule that picks a frame decides (`PortCounters.droppedByFilter`; a delayed or
/// corrupted frame counts as `delayed` or `corrupted`, as the impairments' do).
public struct FrameRule: Sendable, Hashable, CustomStringConvertible {
    public enum Carried: String, Sendable, Hashable, CaseIterable { case ip, tcp, udp, icmp, arp }
    /// For TCP: SYN without ACK (a connection attempt), FIN, RST, or a pure ACK (ACK alone,
    /// without payload).
    public enum TCPKind: String, Sendable, Hashable, CaseIterable { case syn, fin, rst, ack }

    /// Named, so that it can be listed and removed (`partition` removes its own on `heal`).
    public var name: String
    public var proto: Carried?
    /// An IPv4 source or destination within this prefix (`A.B.C.D/N`).
    public var source: IPv4Interface?
    public var destination: IPv4Interface?
    /// A TCP or UDP source or destination port.
    public var port: UInt16?
    public var tcp: TCPKind?
    /// Acts on every Nth frame the rule picks (1: each).
    public var every: Int

    public enum Action: Sendable, Hashable {
        case drop
        /// Held this long, then sent on (to the link's own impairments, if any).
        case delay(Duration)
        /// One bit of a copy flipped (the frame's own bytes, which a retransmission may share,
        /// stay as they are).
        case corrupt
    }
    public var action: Action = .drop

    public init(name: String, proto: Carried? = nil, source: IPv4Interface? = nil, destination: IPv4Interface? = nil,
                port: UInt16? = nil, tcp: TCPKind? = nil, every: Int = 1) {
        self.name = name
        self.proto = proto
        self.source = source
        self.destination = destination
        self.port = port
        self.tcp = tcp
        self.every = max(1, every)
    }

    public struct SyntaxError: Error, Sendable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// A rule from FIELD VALUE pairs as people write them (`tcp syn`, `dst 10.0.2.1`, `every 5`):
    /// each field once, every value checked, so a bad rule never half-applies.
    public init(name: String, fields: [(String, String)]) throws(SyntaxError) {
        self.init(name: name)
        var seen: Set<String> = []
        for (field, value) in fields {
            guard seen.insert(field).inserted else { throw SyntaxError(message: "'\(field)' given twice") }
            switch field {
            case "proto":
                guard let carried = Carried(rawValue: value) else {
                    throw SyntaxError(message: "proto '\(value)'; accepted: \(Carried.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                proto = carried
            case "src", "dst":
                let text = value.contains("/") ? value : "\(value)/32"
                guard let prefix = IPv4Interface(text) else { throw SyntaxError(message: "\(field) '\(value)' is not A.B.C.D or A.B.C.D/N") }
                if field == "src" { source = prefix } else { destination = prefix }
            case "port":
                guard let number = UInt16(value), number > 0 else { throw SyntaxError(message: "port '\(value)' is not 1...65535") }
                port = number
            case "tcp":
                guard let kind = TCPKind(rawValue: value) else {
                    throw SyntaxError(message: "tcp '\(value)'; accepted: syn (SYN without ACK), fin, rst, ack (a pure ACK, no payload)")
                }
                tcp = kind
            case "every":
                guard let n = Int(value), (1...1_000_000).contains(n) else { throw SyntaxError(message: "every '\(value)' is not 1...1000000") }
                every = n
            case "action":
                switch value {
                case "drop": action = .drop
                case "corrupt": action = .corrupt
                case _ where value.hasPrefix("delay:"):
                    let text = String(value.dropFirst(6))
                    guard let duration = Self.duration(text), duration > .zero, duration <= .seconds(60) else {
                        throw SyntaxError(message: "action '\(value)': a delay such as delay:200ms, up to 60s")
                    }
                    action = .delay(duration)
                default:
                    throw SyntaxError(message: "action '\(value)'; accepted: drop, corrupt, delay:DURATION (e.g. delay:200ms)")
                }
            default:
                throw SyntaxError(message: "unknown field '\(field)'; accepted: proto, src, dst, port, tcp, every, action")
            }
        }
        if proto == .arp, source != nil || destination != nil || port != nil || tcp != nil {
            throw SyntaxError(message: "an ARP rule takes no addresses, ports or TCP flags")
        }
    }

    public var description: String {
        var words = [name + ":"]
        if let proto { words.append(proto.rawValue) }
        if let source { words += ["src", "\(source.network)/\(source.prefixLength)"] }
        if let destination { words += ["dst", "\(destination.network)/\(destination.prefixLength)"] }
        if let port { words += ["port", String(port)] }
        if let tcp { words += ["tcp", tcp.rawValue] }
        if every > 1 { words += ["every", String(every)] }
        switch action {
        case .drop: break
        case .corrupt: words += ["action", "corrupt"]
        case .delay(let duration): words += ["action", "delay:\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)ms"]
        }
        return words.joined(separator: " ")
    }

    /// `200ms`, `1.5s`, `500us`: whole milliseconds and seconds as rules need them.
    static func duration(_ text: String) -> Duration? {
        for (suffix, scale) in [("ms", 1e-3), ("us", 1e-6), ("s", 1.0)] where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .nanoseconds(Int64(number * scale * 1e9))
        }
        return nil
    }

    /// Whether the Ethernet frame at `frame` (its headers at least) is one this rule picks.
    public func matches(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard frame.count >= 14 else { return false }
        let etherType = UInt16(frame[12]) << 8 | UInt16(frame[13])
        if etherType == 0x0806 { return proto == .arp && source == nil && destination == nil && port == nil && tcp == nil }
        guard etherType == 0x0800, proto != .arp, frame.count >= 14 + 20 else { return false }
        let ip = UnsafeRawBufferPointer(rebasing: frame[14...])
        let headerLength = Int(ip[0] & 0x0f) * 4
        guard headerLength >= 20, ip.count >= headerLength else { return false }
        let protocolNumber = ip[9]
        if let source, !source.contains(IPv4Address(reading: ip, at: 12)) { return false }
        if let destination, !destination.contains(IPv4Address(reading: ip, at: 16)) { return false }
        switch proto {
        case .tcp?: guard protocolNumber == 6 else { return false }
        case .udp?: guard protocolNumber == 17 else { return false }
        case .icmp?: guard protocolNumber == 1 else { return false }
        case .ip?, nil, .arp?: break
        }
        guard port != nil || tcp != nil else { return true }
        // Ports and flags are in the first fragment only.
        let fragmentOffset = (UInt16(ip[6]) << 8 | UInt16(ip[7])) & 0x1fff
        guard fragmentOffset == 0, protocolNumber == 6 || protocolNumber == 17 else { return false }
        let transport = UnsafeRawBufferPointer(rebasing: ip[headerLength...])
        guard transport.count >= (protocolNumber == 6 ? 20 : 8) else { return false }
        if let port {
            let sourcePort = UInt16(transport[0]) << 8 | UInt16(transport[1])
            let destinationPort = UInt16(transport[2]) << 8 | UInt16(transport[3])
            guard sourcePort == port || destinationPort == port else { return false }
        }
        guard let tcp else { return true }
        guard protocolNumber == 6 else { return false }
        let flags = transport[13]
        let (fin, syn, rst, ack) = (flags & 0x01 != 0, flags & 0x02 != 0, flags & 0x04 != 0, flags & 0x10 != 0)
        switch tcp {
        case .syn: return syn && !ack
        case .fin: return fin
        case .rst: return rst
        case .ack:
            let totalLength = Int(UInt16(ip[2]) << 8 | UInt16(ip[3]))
            let payload = totalLength - headerLength - Int(transport[12] >> 4) * 4
            return ack && !syn && !fin && !rst && payload == 0
        }
    }
}

/// A port's rules, with how many frames each has picked (for `every` and for the counts
/// `filter list` shows).
public struct FrameFilter: Sendable {
    public private(set) var rules: [FrameRule] = []
    public private(set) var picked: [Int] = []
    public private(set) var dropped: [Int] = []

    public init() {}

    public var isEmpty: Bool { rules.isEmpty }

    /// Adds a rule, or replaces the one of the same name (its counts start again).
    public mutating func set(_ rule: FrameRule) {
        if let index = rules.firstIndex(where: { $0.name == rule.name }) {
            rules[index] = rule
            picked[index] = 0
            dropped[index] = 0
        } else {
            rules.append(rule)
            picked.append(0)
            dropped.append(0)
        }
    }

    /// Removes the rules of that name; returns how many there were.
    @discardableResult
    public mutating func remove(named name: String) -> Int {
        let before = rules.count
        for index in rules.indices.reversed() where rules[index].name == name {
            rules.remove(at: index)
            picked.remove(at: index)
            dropped.remove(at: index)
        }
        return before - rules.count
    }

    /// What becomes of the frame: nil when no rule acts on it, else the rule that does (its
    /// index in `rules`), counted against it.
    public mutating func decide(_ frame: UnsafeRawBufferPointer) -> Int? {
        for index in rules.indices where rules[index].matches(frame) {
            picked[index] += 1
            guard picked[index] % rules[index].every == 0 else { return nil }
            dropped[index] += 1
            return index
        }
        return nil
    }

    /// Whether the frame is to be dropped (ingress rules only drop).
    public mutating func drops(_ frame: UnsafeRawBufferPointer) -> Bool { decide(frame) != nil }
}
