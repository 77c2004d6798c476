/// IP protocol numbers this stack understands.
public enum IPProtocol {
    public static let icmp: UInt8 = 1
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
}

/// A read view over an IPv4 packet (RFC 791). Options are skipped, not interpreted: the
/// payload starts after IHL*4 bytes whatever they hold. Bytes after Total Length (Ethernet
/// padding of short frames) are not part of the packet.
public struct IPv4PacketView {
    public static let minimumHeaderLength = 20
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        let totalLength = try Self.checkHeader(bytes)
        try requireLength(bytes, totalLength, "IPv4")
        self.bytes = UnsafeRawBufferPointer(rebasing: bytes[..<totalLength])
    }

    /// A view over the header alone, for a packet whose payload lies elsewhere (in card memory,
    /// after a header split). Checks the header as `init(checking:)` does, and checks Total Length
    /// against `packetLength`, the bytes the packet really has where it lies. `payload` is empty.
    public init(checkingHeader bytes: UnsafeRawBufferPointer, packetLength: Int) throws(WireError) {
        let totalLength = try Self.checkHeader(bytes)
        guard packetLength >= totalLength else { throw WireError.truncated(layer: "IPv4", needed: totalLength, available: packetLength) }
        let headerLength = Int(bytes[0] & 0x0f) * 4
        try requireLength(bytes, headerLength, "IPv4")
        self.bytes = UnsafeRawBufferPointer(rebasing: bytes[..<headerLength])
    }

    /// Version, IHL and Total Length; returns Total Length.
    private static func checkHeader(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Int {
        try requireLength(bytes, minimumHeaderLength, "IPv4")
        let version = bytes[0] >> 4
        guard version == 4 else { throw WireError.malformed(layer: "IPv4", reason: "version \(version)") }
        let headerLength = Int(bytes[0] & 0x0f) * 4
        guard headerLength >= minimumHeaderLength else {
            throw WireError.malformed(layer: "IPv4", reason: "header length \(headerLength) below 20")
        }
        let totalLength = Int(bytes.u16(2))
        guard totalLength >= headerLength else {
            throw WireError.malformed(layer: "IPv4", reason: "total length \(totalLength) below header length \(headerLength)")
        }
        return totalLength
    }

    public var headerLength: Int { Int(bytes[0] & 0x0f) * 4 }
    public var dscpEcn: UInt8 { bytes[1] }
    public var totalLength: Int { Int(bytes.u16(2)) }
    public var identification: UInt16 { bytes.u16(4) }
    public var dontFragment: Bool { bytes[6] & 0x40 != 0 }
    public var moreFragments: Bool { bytes[6] & 0x20 != 0 }
    /// Fragment offset in bytes.
    public var fragmentOffset: Int { Int(bytes.u16(6) & 0x1fff) * 8 }
    public var timeToLive: UInt8 { bytes[8] }
    public var protocolNumber: UInt8 { bytes[9] }
    public var headerChecksum: UInt16 { bytes.u16(10) }
    public var source: IPv4Address { IPv4Address(reading: bytes, at: 12) }
    public var destination: IPv4Address { IPv4Address(reading: bytes, at: 16) }
    public var header: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[..<headerLength]) }
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[headerLength...]) }

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// True when the header checksum verifies (the header sums to 0xffff).
    public var headerChecksumIsValid: Bool {
        var sum = InternetChecksum()
        sum.add(header)
        return sum.folded == 0xffff
    }
}

/// The parsed form of an IPv4 header; what the stack builds packets from.
public struct IPv4Repr: Equatable, Sendable {
    public var source: IPv4Address
    public var destination: IPv4Address
    public var protocolNumber: UInt8
    public var payloadLength: Int
    public var timeToLive: UInt8
    public var identification: UInt16
    public var dontFragment: Bool
    /// MF: more fragments of this datagram follow this one.
    public var moreFragments: Bool
    /// Where this fragment's payload starts in its datagram's, in bytes (a multiple of 8).
    public var fragmentOffset: Int
    public var dscpEcn: UInt8

    public init(source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8, payloadLength: Int,
                timeToLive: UInt8 = 64, identification: UInt16 = 0, dontFragment: Bool = true,
                moreFragments: Bool = false, fragmentOffset: Int = 0, dscpEcn: UInt8 = 0) {
        self.source = source
        self.destination = destination
        self.protocolNumber = protocolNumber
        self.payloadLength = payloadLength
        self.timeToLive = timeToLive
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.dscpEcn = dscpEcn
    }

    /// Reads the header; with `verifyChecksum` a bad header checksum is an error. A fragment
    /// parses like a whole datagram, with `isFragment` set: reassembly is the stack's.
    public static func parse(_ view: IPv4PacketView, verifyChecksum: Bool = true) throws(WireError) -> IPv4Repr {
        if verifyChecksum && !view.headerChecksumIsValid { throw WireError.badChecksum(layer: "IPv4") }
        return IPv4Repr(source: view.source, destination: view.destination, protocolNumber: view.protocolNumber,
                        payloadLength: view.totalLength - view.headerLength, timeToLive: view.timeToLive,
                        identification: view.identification, dontFragment: view.dontFragment,
                        moreFragments: view.moreFragments, fragmentOffset: view.fragmentOffset, dscpEcn: view.dscpEcn)
    }

    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// This stack never emits options.
    public var headerLength: Int { IPv4PacketView.minimumHeaderLength }
    public var totalLength: Int { headerLength + payloadLength }

    /// Writes a 20-byte header with its checksum at the start of `bytes`.
    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(UInt8(0x45), at: 0)
        bytes.put(dscpEcn, at: 1)
        bytes.put(UInt16(truncatingIfNeeded: totalLength), at: 2)
        bytes.put(identification, at: 4)
        let flags: UInt16 = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0)
        bytes.put(flags | UInt16(truncatingIfNeeded: fragmentOffset / 8) & 0x1fff, at: 6)
        bytes.put(timeToLive, at: 8)
        bytes.put(protocolNumber, at: 9)
        bytes.put(UInt16(0), at: 10)
        source.write(to: bytes, at: 12)
        destination.write(to: bytes, at: 16)
        let checksum = InternetChecksum.of(UnsafeRawBufferPointer(rebasing: bytes[..<headerLength]))
        bytes.put(checksum, at: 10)
    }
}
