/// A 48-bit IEEE 802 MAC address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var octets: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        octets = (a, b, c, d, e, f)
    }

    public static let broadcast = MACAddress(0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
    public static let zero = MACAddress(0, 0, 0, 0, 0, 0)

    /// Parses `aa:bb:cc:dd:ee:ff` (also with `-`); nil when it is anything else.
    public init?(_ text: String) {
        // One separator throughout; empty parts count (so "01::02:…" and a trailing ":" fail),
        // and only hex digits (UInt8(_:radix:) alone would take "+1").
        guard let separator = text.first(where: { $0 == ":" || $0 == "-" }) else { return nil }
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, part.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5])
    }

    public init(reading bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.init(bytes[offset], bytes[offset + 1], bytes[offset + 2],
                  bytes[offset + 3], bytes[offset + 4], bytes[offset + 5])
    }

    public func write(to bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes[offset] = octets.0; bytes[offset + 1] = octets.1; bytes[offset + 2] = octets.2
        bytes[offset + 3] = octets.3; bytes[offset + 4] = octets.4; bytes[offset + 5] = octets.5
    }

    public var isBroadcast: Bool { self == .broadcast }
    /// Group bit: the least significant bit of the first octet.
    public var isMulticast: Bool { octets.0 & 1 == 1 }

    public static func == (l: MACAddress, r: MACAddress) -> Bool {
        l.octets.0 == r.octets.0 && l.octets.1 == r.octets.1 && l.octets.2 == r.octets.2
            && l.octets.3 == r.octets.3 && l.octets.4 == r.octets.4 && l.octets.5 == r.octets.5
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(octets.0); hasher.combine(octets.1); hasher.combine(octets.2)
        hasher.combine(octets.3); hasher.combine(octets.4); hasher.combine(octets.5)
    }

    public var description: String {
        [octets.0, octets.1, octets.2, octets.3, octets.4, octets.5]
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
    }
}
