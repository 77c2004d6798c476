/// ICMP for IPv4 (RFC 792): echo, destination unreachable and time exceeded.
public struct ICMPv4MessageView {
    public static let headerLength = 8
    public let bytes: UnsafeRawBufferPointer

    public init(checking bytes: UnsafeRawBufferPointer) throws(WireError) {
        try requireLength(bytes, Self.headerLength, "ICMPv4")
        self.bytes = bytes
    }

    public var type: UInt8 { bytes[0] }
    public var code: UInt8 { bytes[1] }
    public var checksum: UInt16 { bytes.u16(2) }
    /// Identifier and sequence number of echo messages; unused (zero) in error messages.
    public var identifier: UInt16 { bytes.u16(4) }
    public var sequenceNumber: UInt16 { bytes.u16(6) }
    public var body: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[Self.headerLength...]) }

    public var checksumIsValid: Bool {
        var sum = InternetChecksum()
        sum.add(bytes)
        return sum.folded == 0xffff
    }
}

public enum ICMPv4Type {
    public static let echoReply: UInt8 = 0
    public static let destinationUnreachable: UInt8 = 3
    public static let echoRequest: UInt8 = 8
    public static let timeExceeded: UInt8 = 11
}

/// The parsed form of the ICMP messages this stack handles. The body of error messages is
/// the invoking packet's IP header plus at least 8 bytes of its payload (RFC 792); it is
/// kept as bytes because its fields belong to whoever sent the original packet.
public enum ICMPv4Repr: Equatable, Sendable {
    case echoRequest(identifier: UInt16, sequenceNumber: UInt16, data: [UInt8])
    case echoReply(identifier: UInt16, sequenceNumber: UInt16, data: [UInt8])
    case destinationUnreachable(code: UInt8, invoking: [UInt8])
    case timeExceeded(code: UInt8, invoking: [UInt8])

    public enum UnreachableCode {
        public static let network: UInt8 = 0
        public static let host: UInt8 = 1
        public static let `protocol`: UInt8 = 2
        public static let port: UInt8 = 3
        public static let fragmentationNeeded: UInt8 = 4
    }

    public static func parse(_ view: ICMPv4MessageView, verifyChecksum: Bool = true) throws(WireError) -> ICMPv4Repr {
        if verifyChecksum && !view.checksumIsValid { throw WireError.badChecksum(layer: "ICMPv4") }
        let body = Array(view.body)
        switch (view.type, view.code) {
        case (ICMPv4Type.echoRequest, 0):
            return .echoRequest(identifier: view.identifier, sequenceNumber: view.sequenceNumber, data: body)
        case (ICMPv4Type.echoReply, 0):
            return .echoReply(identifier: view.identifier, sequenceNumber: view.sequenceNumber, data: body)
        case (ICMPv4Type.destinationUnreachable, let code) where code <= 15:
            guard body.count >= IPv4PacketView.minimumHeaderLength else {
                throw WireError.truncated(layer: "ICMPv4", needed: 28, available: view.bytes.count)
            }
            return .destinationUnreachable(code: code, invoking: body)
        case (ICMPv4Type.timeExceeded, let code) where code <= 1:
            guard body.count >= IPv4PacketView.minimumHeaderLength else {
                throw WireError.truncated(layer: "ICMPv4", needed: 28, available: view.bytes.count)
            }
            return .timeExceeded(code: code, invoking: body)
        default:
            throw WireError.malformed(layer: "ICMPv4", reason: "unsupported type \(view.type) code \(view.code)")
        }
    }

    public var length: Int {
        switch self {
        case let .echoRequest(_, _, data), let .echoReply(_, _, data): return 8 + data.count
        case let .destinationUnreachable(_, invoking), let .timeExceeded(_, invoking): return 8 + invoking.count
        }
    }

    /// Writes the message with its checksum at the start of `bytes` (at least `length` bytes).
    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        let type: UInt8, code: UInt8, word: UInt32, body: [UInt8]
        switch self {
        case let .echoRequest(id, seq, data): (type, code, word, body) = (ICMPv4Type.echoRequest, 0, UInt32(id) << 16 | UInt32(seq), data)
        case let .echoReply(id, seq, data): (type, code, word, body) = (ICMPv4Type.echoReply, 0, UInt32(id) << 16 | UInt32(seq), data)
        case let .destinationUnreachable(c, invoking): (type, code, word, body) = (ICMPv4Type.destinationUnreachable, c, 0, invoking)
        case let .timeExceeded(c, invoking): (type, code, word, body) = (ICMPv4Type.timeExceeded, c, 0, invoking)
        }
        bytes.put(type, at: 0)
        bytes.put(code, at: 1)
        bytes.put(UInt16(0), at: 2)
        bytes.put(word, at: 4)
        for (i, b) in body.enumerated() { bytes[8 + i] = b }
        let checksum = InternetChecksum.of(UnsafeRawBufferPointer(rebasing: bytes[..<(8 + body.count)]))
        bytes.put(checksum, at: 2)
    }
}
