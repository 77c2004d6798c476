/// What an ICMP error quotes of the datagram it is about (RFC 792: its IP header and at least
/// the first 8 bytes of its payload): enough to find the socket it concerns. Read leniently,
/// as the quote may be cut anywhere after those 8 bytes.
public struct ICMPv4Quote: Equatable, Sendable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var protocolNumber: UInt8
    /// The quoted datagram's Total Length, as it was sent (what fragmentation needed is about).
    public var totalLength: Int
    /// The first 8 bytes after the quoted IP header: TCP or UDP ports (and TCP's sequence
    /// number), or an ICMP message's type, code, identifier and sequence number.
    public var transport: [UInt8]

    public init?(_ invoking: [UInt8]) {
        guard invoking.count >= IPv4PacketView.minimumHeaderLength, invoking[0] >> 4 == 4 else { return nil }
        let headerLength = Int(invoking[0] & 0x0f) * 4
        guard headerLength >= IPv4PacketView.minimumHeaderLength, invoking.count >= headerLength + 8 else { return nil }
        source = IPv4Address(invoking[12], invoking[13], invoking[14], invoking[15])
        destination = IPv4Address(invoking[16], invoking[17], invoking[18], invoking[19])
        protocolNumber = invoking[9]
        totalLength = Int(invoking[2]) << 8 | Int(invoking[3])
        transport = Array(invoking[headerLength..<(headerLength + 8)])
    }

    /// Source and destination ports of a quoted TCP segment or UDP datagram.
    public var sourcePort: UInt16 { UInt16(transport[0]) << 8 | UInt16(transport[1]) }
    public var destinationPort: UInt16 { UInt16(transport[2]) << 8 | UInt16(transport[3]) }
    /// A quoted TCP segment's sequence number.
    public var tcpSequenceNumber: UInt32 {
        UInt32(transport[4]) << 24 | UInt32(transport[5]) << 16 | UInt32(transport[6]) << 8 | UInt32(transport[7])
    }
    /// A quoted ICMP message's type, and an echo's identifier and sequence number.
    public var icmpType: UInt8 { transport[0] }
    public var icmpIdentifier: UInt16 { UInt16(transport[4]) << 8 | UInt16(transport[5]) }
    public var icmpSequenceNumber: UInt16 { UInt16(transport[6]) << 8 | UInt16(transport[7]) }
}
