/// EtherType values this stack understands.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let vlan: UInt16 = 0x8100
}

/// A read view over an Ethernet II frame (no FCS: tunnels and pcap carry frames without it).
public struct EthernetFrameView {
    public static let headerLength = 14
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.headerLength, "Ethernet")
        self.bytes = bytes
    }

    public var destination: MACAddress { MACAddress(reading: bytes, at: 0) }
    public var source: MACAddress { MACAddress(reading: bytes, at: 6) }
    public var etherType: UInt16 { bytes.u16(12) }
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Self.headerLength...]) }
}

/// The parsed form of an Ethernet II header.
public struct EthernetRepr: Equatable, Sendable {
    public var destination: MACAddress
    public var source: MACAddress
    public var etherType: UInt16

    public init(destination: MACAddress, source: MACAddress, etherType: UInt16) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
    }

    public static func parse(_ view: EthernetFrameView) -> EthernetRepr {
        EthernetRepr(destination: view.destination, source: view.source, etherType: view.etherType)
    }

    public var headerLength: Int { EthernetFrameView.headerLength }

    /// Writes the header at the start of `bytes`, which must hold at least 14 bytes.
    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        destination.write(to: bytes, at: 0)
        source.write(to: bytes, at: 6)
        bytes.put(etherType, at: 12)
    }
}
