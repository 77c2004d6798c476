/// A TCP sequence number: 32 bits that wrap, compared modulo 2^32 (RFC 9293 §3.4). Every
/// comparison in the TCP code goes through this type, so wraparound is handled in one place.
public struct SequenceNumber: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static func + (l: SequenceNumber, r: Int) -> SequenceNumber {
        SequenceNumber(l.rawValue &+ UInt32(truncatingIfNeeded: r))
    }

    public static func - (l: SequenceNumber, r: Int) -> SequenceNumber {
        SequenceNumber(l.rawValue &- UInt32(truncatingIfNeeded: r))
    }

    /// The signed distance from `r` to `l`; meaningful while they are within 2^31 of each other.
    public static func - (l: SequenceNumber, r: SequenceNumber) -> Int {
        Int(Int32(bitPattern: l.rawValue &- r.rawValue))
    }

    public static func += (l: inout SequenceNumber, r: Int) { l = l + r }

    public static func < (l: SequenceNumber, r: SequenceNumber) -> Bool { l - r < 0 }
    public static func <= (l: SequenceNumber, r: SequenceNumber) -> Bool { l - r <= 0 }
    public static func > (l: SequenceNumber, r: SequenceNumber) -> Bool { l - r > 0 }
    public static func >= (l: SequenceNumber, r: SequenceNumber) -> Bool { l - r >= 0 }

    public static func max(_ a: SequenceNumber, _ b: SequenceNumber) -> SequenceNumber { a > b ? a : b }
    public static func min(_ a: SequenceNumber, _ b: SequenceNumber) -> SequenceNumber { a < b ? a : b }

    /// `low <= self < high`, modulo 2^32.
    public func isIn(_ low: SequenceNumber, _ high: SequenceNumber) -> Bool { self >= low && self < high }

    public var description: String { String(rawValue) }
}
