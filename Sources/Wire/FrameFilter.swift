/// A capture filter in a small part of tcpdump's language (`nicbed capture --filter`): the
/// protocols `ip`, `arp`, `icmp`, `tcp`, `udp`; `host A`, `net A/N`, `port N`, each optionally
/// preceded by `src` or `dst`; joined with `and`, `or`, `not` and parentheses (`&&`, `||`, `!`
/// too). `host` matches ARP's sender and target addresses as tcpdump's does; `port` matches TCP
/// and UDP, in first fragments only (later fragments carry no ports).
public indirect enum FrameFilter: Equatable, Sendable {
    public enum Carried: String, Sendable, CaseIterable { case ip, arp, icmp, tcp, udp }
    public enum Direction: String, Sendable { case source = "src", destination = "dst", either }

    case proto(Carried)
    case net(IPv4Interface, Direction)
    case port(UInt16, Direction)
    case not(FrameFilter)
    case and(FrameFilter, FrameFilter)
    case or(FrameFilter, FrameFilter)

    /// Parses `text`; the error names the word that could not be read and what was expected.
    public static func parse(_ text: String) throws(FrameFilterError) -> FrameFilter {
        var parser = FilterParser(text: text)
        return try parser.parseWhole()
    }

    /// Whether an Ethernet frame (as a capture holds it, possibly cut at the snap length) matches.
    public func matches(_ frame: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case let .proto(wanted): return FrameFields(frame).protocols.contains(wanted)
        case let .net(subnet, direction):
            let fields = FrameFields(frame)
            return fields.addresses(direction).contains { subnet.contains($0) }
        case let .port(port, direction): return FrameFields(frame).ports(direction).contains(port)
        case let .not(inner): return !inner.matches(frame)
        case let .and(left, right): return left.matches(frame) && right.matches(frame)
        case let .or(left, right): return left.matches(frame) || right.matches(frame)
        }
    }
}

public struct FrameFilterError: Error, Equatable, CustomStringConvertible {
    public let filter: String
    public let reason: String
    public var description: String { "filter '\(filter)': \(reason)" }
}

/// The few fields a filter looks at, read with bounds checks: a frame cut short matches less.
private struct FrameFields {
    var protocols: Set<FrameFilter.Carried> = []
    var source: IPv4Address?
    var destination: IPv4Address?
    var sourcePort: UInt16?
    var destinationPort: UInt16?

    init(_ frame: UnsafeRawBufferPointer) {
        guard frame.count >= 14 else { return }
        let etherType = frame.u16(12)
        if etherType == EtherType.arp, frame.count >= 14 + 28 {
            protocols.insert(.arp)
            source = IPv4Address(reading: frame, at: 14 + 14)
            destination = IPv4Address(reading: frame, at: 14 + 24)
            return
        }
        guard etherType == EtherType.ipv4, frame.count >= 14 + 20, frame[14] >> 4 == 4 else { return }
        protocols.insert(.ip)
        source = IPv4Address(reading: frame, at: 14 + 12)
        destination = IPv4Address(reading: frame, at: 14 + 16)
        let headerLength = Int(frame[14] & 0x0f) * 4
        let protocolNumber = frame[14 + 9]
        let firstFragment = frame.u16(14 + 6) & 0x1fff == 0
        switch protocolNumber {
        case 1: protocols.insert(.icmp)
        case 6: protocols.insert(.tcp)
        case 17: protocols.insert(.udp)
        default: break
        }
        let ports = 14 + headerLength
        if (protocolNumber == 6 || protocolNumber == 17), firstFragment, headerLength >= 20, frame.count >= ports + 4 {
            sourcePort = frame.u16(ports)
            destinationPort = frame.u16(ports + 2)
        }
    }

    func addresses(_ direction: FrameFilter.Direction) -> [IPv4Address] {
        switch direction {
        case .source: [source].compactMap { $0 }
        case .destination: [destination].compactMap { $0 }
        case .either: [source, destination].compactMap { $0 }
        }
    }

    func ports(_ direction: FrameFilter.Direction) -> [UInt16] {
        switch direction {
        case .source: [sourcePort].compactMap { $0 }
        case .destination: [destinationPort].compactMap { $0 }
        case .either: [sourcePort, destinationPort].compactMap { $0 }
        }
    }
}

/// Recursive descent over words: or-expression ← and-expression ← unary ← primitive.
private struct FilterParser {
    let text: String
    var words: [String]
    var position = 0

    init(text: String) {
        self.text = text
        // Parentheses and `!` are words of their own even when written against another word.
        var spaced = ""
        for character in text {
            if "()!".contains(character) { spaced += " \(character) " } else { spaced.append(character) }
        }
        words = spaced.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    mutating func parseWhole() throws(FrameFilterError) -> FrameFilter {
        guard !words.isEmpty else { throw fail("is empty; e.g. tcp, host 10.0.1.1, udp and port 53") }
        let filter = try parseOr()
        if position < words.count { throw fail("expected 'and', 'or' or the end at '\(words[position])' (word \(position + 1))") }
        return filter
    }

    private var next: String? { position < words.count ? words[position] : nil }

    private func fail(_ reason: String) -> FrameFilterError { FrameFilterError(filter: text, reason: reason) }

    private mutating func parseOr() throws(FrameFilterError) -> FrameFilter {
        var filter = try parseAnd()
        while next == "or" || next == "||" {
            position += 1
            filter = .or(filter, try parseAnd())
        }
        return filter
    }

    private mutating func parseAnd() throws(FrameFilterError) -> FrameFilter {
        var filter = try parseUnary()
        while next == "and" || next == "&&" {
            position += 1
            filter = .and(filter, try parseUnary())
        }
        return filter
    }

    private mutating func parseUnary() throws(FrameFilterError) -> FrameFilter {
        guard let word = next else { throw fail("ends where a protocol, host, net, port, not or '(' was expected") }
        position += 1
        switch word {
        case "not", "!": return .not(try parseUnary())
        case "(":
            let inner = try parseOr()
            guard next == ")" else { throw fail("a '(' is not closed") }
            position += 1
            return inner
        case "src", "dst":
            guard let kind = next else { throw fail("'\(word)' needs host, net or port after it") }
            position += 1
            return try parseQualified(kind, direction: word == "src" ? .source : .destination)
        case "host", "net", "port": return try parseQualified(word, direction: .either)
        default:
            if let proto = FrameFilter.Carried(rawValue: word) { return .proto(proto) }
            throw fail("unknown word '\(word)' (word \(position)); known: ip, arp, icmp, tcp, udp, host, net, port, src, dst, and, or, not")
        }
    }

    private mutating func parseQualified(_ kind: String, direction: FrameFilter.Direction) throws(FrameFilterError) -> FrameFilter {
        guard ["host", "net", "port"].contains(kind) else { throw fail("'\(kind)' cannot follow src or dst; host, net or port can") }
        guard let value = next else { throw fail("'\(kind)' needs a value after it") }
        position += 1
        switch kind {
        case "host":
            guard let address = IPv4Address(value) else { throw fail("'\(value)' is not an IPv4 address (host needs one, e.g. host 10.0.1.1)") }
            return .net(IPv4Interface(address: address, prefixLength: 32), direction)
        case "net":
            guard let subnet = IPv4Interface(value) else { throw fail("'\(value)' is not a subnet (net needs A.B.C.D/N, e.g. net 10.0.1.0/24)") }
            return .net(IPv4Interface(address: subnet.network, prefixLength: subnet.prefixLength), direction)
        case "port":
            guard let port = UInt16(value) else { throw fail("'\(value)' is not a port number (0-65535)") }
            return .port(port, direction)
        default:
            throw fail("'\(kind)' cannot follow src or dst; host, net or port can")
        }
    }
}
