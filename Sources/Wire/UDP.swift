/// A read view over a UDP datagram (RFC 768).
public struct UDPDatagramView {
    public static let headerLength = 8
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.headerLength, "UDP")
        let length = Int(bytes.u16(4))
        guard length >= Self.headerLength else {
            throw WireError.malformed(layer: "UDP", reason: "length field \(length) below 8")
        }
        try requireLength(bytes, length, "UDP")
        self.bytes = UnsafeRawBufferPointer(rebasing: bytes[..<length])
    }

    /// A view over the 8-byte header alone, for a datagram whose payload lies elsewhere (in
    /// card memory, after a header split); `datagramLength` is what the IP header says it has.
    /// `payload` is empty.
    public init(checkingHeader bytes: UnsafeRawBufferPointer, datagramLength: Int) throws(WireError) {
        try requireLength(bytes, Self.headerLength, "UDP")
        let length = Int(bytes.u16(4))
        guard length >= Self.headerLength else {
            throw WireError.malformed(layer: "UDP", reason: "length field \(length) below 8")
        }
        guard length <= datagramLength else {
            throw WireError.truncated(layer: "UDP", needed: length, available: datagramLength)
        }
        self.bytes = UnsafeRawBufferPointer(rebasing: bytes[..<Self.headerLength])
    }

    public var sourcePort: UInt16 { bytes.u16(0) }
    public var destinationPort: UInt16 { bytes.u16(2) }
    public var length: Int { Int(bytes.u16(4)) }
    public var checksum: UInt16 { bytes.u16(6) }
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Self.headerLength...]) }
    /// The datagram's payload length from its length field.
    public var payloadLength: Int { length - Self.headerLength }

    /// A zero checksum means the sender did not compute one (allowed over IPv4).
    public func checksumIsValid(source: IPv4Address, destination: IPv4Address) -> Bool {
        if checksum == 0 { return true }
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.udp, length: length)
        sum.add(bytes)
        return sum.folded == 0xffff
    }
}

public struct UDPRepr: Equatable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payloadLength: Int

    public init(sourcePort: UInt16, destinationPort: UInt16, payloadLength: Int) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payloadLength = payloadLength
    }

    public static func parse(_ view: UDPDatagramView) -> UDPRepr {
        UDPRepr(sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                payloadLength: view.length - UDPDatagramView.headerLength)
    }

    public var length: Int { UDPDatagramView.headerLength + payloadLength }

    /// Writes the 8-byte header with a zero checksum field: `fillChecksum` computes it once the
    /// payload is in place, or a NIC that offloads checksums does.
    public func emitHeader(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(sourcePort, at: 0)
        bytes.put(destinationPort, at: 2)
        bytes.put(UInt16(truncatingIfNeeded: length), at: 4)
        bytes.put(UInt16(0), at: 6)
    }

    /// Computes the checksum of a whole datagram (header and payload in `datagram`) in place;
    /// a computed zero is sent as 0xffff (zero means "no checksum", RFC 768).
    public static func fillChecksum(_ datagram: UnsafeMutableRawBufferPointer, source: IPv4Address, destination: IPv4Address) {
        datagram.put(UInt16(0), at: 6)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.udp, length: datagram.count)
        sum.add(UnsafeRawBufferPointer(datagram))
        let checksum = sum.checksum
        datagram.put(checksum == 0 ? 0xffff : checksum, at: 6)
    }

    /// Writes the header into `bytes`, whose payload part must already hold the payload, then
    /// the checksum over pseudo-header, header and payload (a computed zero is sent as 0xffff).
    public func emit(into bytes: UnsafeMutableRawBufferPointer, source: IPv4Address, destination: IPv4Address) {
        bytes.put(sourcePort, at: 0)
        bytes.put(destinationPort, at: 2)
        bytes.put(UInt16(truncatingIfNeeded: length), at: 4)
        bytes.put(UInt16(0), at: 6)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.udp, length: length)
        sum.add(UnsafeRawBufferPointer(rebasing: bytes[..<length]))
        let checksum = sum.checksum
        bytes.put(checksum == 0 ? 0xffff : checksum, at: 6)
    }
}
