/// TCP control bits (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    public var description: String {
        let names: [(TCPFlags, String)] = [(.syn, "S"), (.fin, "F"), (.rst, "R"), (.psh, "P"), (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W")]
        let text = names.filter { contains($0.0) }.map(\.1).joined()
        return text.isEmpty ? "none" : text
    }
}

/// A read view over a TCP segment (header, options, payload).
public struct TCPSegmentView {
    public static let minimumHeaderLength = 20
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.minimumHeaderLength, "TCP")
        let headerLength = Int(bytes[12] >> 4) * 4
        guard headerLength >= Self.minimumHeaderLength else {
            throw WireError.malformed(layer: "TCP", reason: "data offset \(headerLength) below 20")
        }
        try requireLength(bytes, headerLength, "TCP")
        self.bytes = bytes
    }

    public var sourcePort: UInt16 { bytes.u16(0) }
    public var destinationPort: UInt16 { bytes.u16(2) }
    public var sequenceNumber: UInt32 { bytes.u32(4) }
    public var acknowledgmentNumber: UInt32 { bytes.u32(8) }
    public var headerLength: Int { Int(bytes[12] >> 4) * 4 }
    public var flags: TCPFlags { TCPFlags(rawValue: bytes[13]) }
    public var window: UInt16 { bytes.u16(14) }
    public var checksum: UInt16 { bytes.u16(16) }
    public var urgentPointer: UInt16 { bytes.u16(18) }
    public var optionBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[Self.minimumHeaderLength..<headerLength])
    }
    public var payload: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[headerLength...]) }

    public func checksumIsValid(source: IPv4Address, destination: IPv4Address) -> Bool {
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.tcp, length: bytes.count)
        sum.add(bytes)
        return sum.folded == 0xffff
    }
}

/// The parsed form of a TCP header. The payload is not part of it: it stays where it is
/// (a host buffer or, on the smart NIC, card memory).
public struct TCPHeaderRepr: Equatable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    public var flags: TCPFlags
    /// The window field as sent: unscaled.
    public var window: UInt16
    public var urgentPointer: UInt16
    public var options: TCPOptions

    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32 = 0,
                flags: TCPFlags, window: UInt16, urgentPointer: UInt16 = 0, options: TCPOptions = TCPOptions()) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.options = options
    }

    public static func parse(_ view: TCPSegmentView) throws(WireError) -> TCPHeaderRepr {
        guard view.sourcePort != 0, view.destinationPort != 0 else {
            throw WireError.malformed(layer: "TCP", reason: "port 0")
        }
        return TCPHeaderRepr(sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                             sequenceNumber: view.sequenceNumber, acknowledgmentNumber: view.acknowledgmentNumber,
                             flags: view.flags, window: view.window, urgentPointer: view.urgentPointer,
                             options: try TCPOptions.parse(view.optionBytes))
    }

    public var headerLength: Int { TCPSegmentView.minimumHeaderLength + options.encodedLength }

    /// Writes the header with a zero checksum field. Call `fillChecksum` once the payload is
    /// in place, or leave it to a NIC that offloads checksums.
    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(sourcePort, at: 0)
        bytes.put(destinationPort, at: 2)
        bytes.put(sequenceNumber, at: 4)
        bytes.put(acknowledgmentNumber, at: 8)
        bytes.put(UInt8(headerLength / 4) << 4, at: 12)
        bytes.put(flags.rawValue, at: 13)
        bytes.put(window, at: 14)
        bytes.put(UInt16(0), at: 16)
        bytes.put(urgentPointer, at: 18)
        options.emit(into: UnsafeMutableRawBufferPointer(rebasing: bytes[TCPSegmentView.minimumHeaderLength...]))
    }

    /// Computes the checksum of a whole segment (header and payload in `segment`) in place.
    public static func fillChecksum(_ segment: UnsafeMutableRawBufferPointer, source: IPv4Address, destination: IPv4Address) {
        segment.put(UInt16(0), at: 16)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.tcp, length: segment.count)
        sum.add(UnsafeRawBufferPointer(segment))
        segment.put(sum.checksum, at: 16)
    }
}
