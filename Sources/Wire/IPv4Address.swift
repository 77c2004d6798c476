/// An IPv4 address, stored as a host-order integer so comparisons and masks are cheap.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text; nil for anything else (no shorthand, no leading `+`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let octet = UInt8(part) else { return nil }
            result = result << 8 | UInt32(octet)
        }
        value = result
    }

    public init(reading bytes: UnsafeRawBufferPointer, at offset: Int) { value = bytes.u32(offset) }
    public func write(to bytes: UnsafeMutableRawBufferPointer, at offset: Int) { bytes.put(value, at: offset) }

    public static let any = IPv4Address(0)

    /// 224.0.0.0/4 (RFC 5771).
    public var isMulticast: Bool { value >> 28 == 0xe }
    public static let broadcast = IPv4Address(0xffff_ffff)

    public static func < (l: IPv4Address, r: IPv4Address) -> Bool { l.value < r.value }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }
}

/// An address with its prefix length, as written `10.0.0.1/24`.
public struct IPv4Interface: Hashable, Sendable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefixLength: Int

    public init(address: IPv4Address, prefixLength: Int) {
        precondition((0...32).contains(prefixLength), "prefix length out of range")
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `A.B.C.D/N` with N in 0...32; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])),
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(parts[1]),
              (0...32).contains(length) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    public var netmask: UInt32 { prefixLength == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefixLength)) }
    public var network: IPv4Address { IPv4Address(address.value & netmask) }
    /// The subnet's broadcast address; nil on /31 and /32, whose addresses are all hosts (RFC 3021).
    public var directedBroadcast: IPv4Address? { prefixLength >= 31 ? nil : IPv4Address(address.value | ~netmask) }

    /// True when `other` is on this interface's subnet.
    public func contains(_ other: IPv4Address) -> Bool { other.value & netmask == address.value & netmask }

    public var description: String { "\(address)/\(prefixLength)" }
}
