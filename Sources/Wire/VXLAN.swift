/// The VXLAN header (RFC 7348 §5): 8 bytes in front of the Ethernet frame in a UDP datagram.
/// Flags must carry the I bit (0x08); the VNI is 24 bits. Reserved bits are ignored on input,
/// as the RFC asks, and written as zero.
public struct VXLANHeaderView {
    public static let length = 8
    public static let validVNIFlag: UInt8 = 0x08
    public static let standardPort: UInt16 = 4789
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.length, "VXLAN")
        guard bytes[0] & Self.validVNIFlag != 0 else {
            throw WireError.malformed(layer: "VXLAN", reason: "I flag not set (flags 0x\(String(bytes[0], radix: 16)))")
        }
        self.bytes = bytes
    }

    public var vni: UInt32 { bytes.u32(4) >> 8 }
    public var frame: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Self.length...]) }
}

public struct VXLANRepr: Equatable, Sendable {
    public var vni: UInt32

    public init(vni: UInt32) {
        precondition(vni < 1 << 24, "VNI is 24 bits")
        self.vni = vni
    }

    public static func parse(_ view: VXLANHeaderView) -> VXLANRepr { VXLANRepr(vni: view.vni) }

    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(UInt32(VXLANHeaderView.validVNIFlag) << 24, at: 0)
        bytes.put(vni << 8, at: 4)
    }
}
