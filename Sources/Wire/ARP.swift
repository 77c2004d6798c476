/// ARP (RFC 826) for Ethernet and IPv4, the only combination this stack speaks.
public struct ARPPacketView {
    public static let length = 28
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.length, "ARP")
        guard bytes.u16(0) == 1, bytes.u16(2) == EtherType.ipv4, bytes[4] == 6, bytes[5] == 4 else {
            throw WireError.malformed(layer: "ARP", reason: "not Ethernet/IPv4 (htype \(bytes.u16(0)), ptype 0x\(String(bytes.u16(2), radix: 16)), hlen \(bytes[4]), plen \(bytes[5]))")
        }
        self.bytes = bytes
    }

    public var operation: UInt16 { bytes.u16(6) }
    public var senderHardware: MACAddress { MACAddress(reading: bytes, at: 8) }
    public var senderProtocol: IPv4Address { IPv4Address(reading: bytes, at: 14) }
    public var targetHardware: MACAddress { MACAddress(reading: bytes, at: 18) }
    public var targetProtocol: IPv4Address { IPv4Address(reading: bytes, at: 24) }
}

public struct ARPRepr: Equatable, Sendable {
    public enum Operation: UInt16, Sendable { case request = 1, reply = 2 }

    public var operation: Operation
    public var senderHardware: MACAddress
    public var senderProtocol: IPv4Address
    public var targetHardware: MACAddress
    public var targetProtocol: IPv4Address

    public init(operation: Operation, senderHardware: MACAddress, senderProtocol: IPv4Address,
                targetHardware: MACAddress, targetProtocol: IPv4Address) {
        self.operation = operation
        self.senderHardware = senderHardware
        self.senderProtocol = senderProtocol
        self.targetHardware = targetHardware
        self.targetProtocol = targetProtocol
    }

    public static func parse(_ view: ARPPacketView) throws(WireError) -> ARPRepr {
        guard let operation = Operation(rawValue: view.operation) else {
            throw WireError.malformed(layer: "ARP", reason: "unknown operation \(view.operation)")
        }
        return ARPRepr(operation: operation, senderHardware: view.senderHardware, senderProtocol: view.senderProtocol,
                       targetHardware: view.targetHardware, targetProtocol: view.targetProtocol)
    }

    public var length: Int { ARPPacketView.length }

    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(UInt16(1), at: 0)
        bytes.put(EtherType.ipv4, at: 2)
        bytes.put(UInt8(6), at: 4)
        bytes.put(UInt8(4), at: 5)
        bytes.put(operation.rawValue, at: 6)
        senderHardware.write(to: bytes, at: 8)
        senderProtocol.write(to: bytes, at: 14)
        targetHardware.write(to: bytes, at: 18)
        targetProtocol.write(to: bytes, at: 24)
    }
}
