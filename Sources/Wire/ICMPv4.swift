/// ICMP for IPv4 (RFC 792): echo, destination unreachable (with RFC 1191's next-hop MTU),
/// time exceeded and parameter problem.
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
    public static let parameterProblem: UInt8 = 12
}

/// The parsed form of the ICMP messages this stack handles. The body of error messages is
/// the invoking packet's IP header plus at least 8 bytes of its payload (RFC 792); it is
/// kept as bytes because its fields belong to whoever sent the original packet.
public enum ICMPv4Repr: Equatable, Sendable {
    case echoRequest(identifier: UInt16, sequenceNumber: UInt16, data: [UInt8])
    case echoReply(identifier: UInt16, sequenceNumber: UInt16, data: [UInt8])
    case destinationUnreachable(code: UInt8, invoking: [UInt8])
    /// Destination unreachable, code 4: the packet needed fragmenting and had DF set. RFC 1191
    /// puts the next hop's MTU in the low 16 bits of the unused word; a router older than that
    /// leaves it zero.
    case fragmentationNeeded(nextHopMTU: UInt16, invoking: [UInt8])
    case timeExceeded(code: UInt8, invoking: [UInt8])
    /// Parameter problem (type 12): code 0 with `pointer` at the octet in error, 1 a missing
    /// required option, 2 a bad length.
    case parameterProblem(code: UInt8, pointer: UInt8, invoking: [UInt8])

    public enum UnreachableCode {
        public static let network: UInt8 = 0
        public static let host: UInt8 = 1
        public static let `protocol`: UInt8 = 2
        public static let port: UInt8 = 3
        public static let fragmentationNeeded: UInt8 = 4

        /// What a code means, in the words ping and Linux's errno use.
        public static func name(_ code: UInt8) -> String {
            switch code {
            case network: return "network unreachable"
            case host: return "host unreachable"
            case `protocol`: return "protocol unreachable"
            case port: return "port unreachable"
            case fragmentationNeeded: return "fragmentation needed"
            case 9, 10, 13: return "communication administratively prohibited"
            default: return "destination unreachable (code \(code))"
            }
        }
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
            try requireInvokingHeader(body, view)
            if code == UnreachableCode.fragmentationNeeded {
                return .fragmentationNeeded(nextHopMTU: view.sequenceNumber, invoking: body)
            }
            return .destinationUnreachable(code: code, invoking: body)
        case (ICMPv4Type.timeExceeded, let code) where code <= 1:
            try requireInvokingHeader(body, view)
            return .timeExceeded(code: code, invoking: body)
        case (ICMPv4Type.parameterProblem, let code) where code <= 2:
            try requireInvokingHeader(body, view)
            return .parameterProblem(code: code, pointer: view.bytes[4], invoking: body)
        default:
            throw WireError.malformed(layer: "ICMPv4", reason: "unsupported type \(view.type) code \(view.code)")
        }
    }

    private static func requireInvokingHeader(_ body: [UInt8], _ view: ICMPv4MessageView) throws(WireError) {
        guard body.count >= IPv4PacketView.minimumHeaderLength else {
            throw WireError.truncated(layer: "ICMPv4", needed: 28, available: view.bytes.count)
        }
    }

    public var length: Int { 8 + body.count }

    /// The datagram an error message quotes (its IP header and the start of its payload); nil
    /// for echo messages.
    public var invoking: [UInt8]? {
        switch self {
        case .echoRequest, .echoReply: return nil
        case let .destinationUnreachable(_, invoking), let .fragmentationNeeded(_, invoking),
             let .timeExceeded(_, invoking), let .parameterProblem(_, _, invoking): return invoking
        }
    }

    private var body: [UInt8] {
        switch self {
        case let .echoRequest(_, _, data), let .echoReply(_, _, data): return data
        default: return invoking!
        }
    }

    /// Writes the message with its checksum at the start of `bytes` (at least `length` bytes).
    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        let type: UInt8, code: UInt8, word: UInt32, body: [UInt8]
        switch self {
        case let .echoRequest(id, seq, data): (type, code, word, body) = (ICMPv4Type.echoRequest, 0, UInt32(id) << 16 | UInt32(seq), data)
        case let .echoReply(id, seq, data): (type, code, word, body) = (ICMPv4Type.echoReply, 0, UInt32(id) << 16 | UInt32(seq), data)
        case let .destinationUnreachable(c, invoking): (type, code, word, body) = (ICMPv4Type.destinationUnreachable, c, 0, invoking)
        case let .fragmentationNeeded(mtu, invoking):
            (type, code, word, body) = (ICMPv4Type.destinationUnreachable, UnreachableCode.fragmentationNeeded, UInt32(mtu), invoking)
        case let .timeExceeded(c, invoking): (type, code, word, body) = (ICMPv4Type.timeExceeded, c, 0, invoking)
        case let .parameterProblem(c, pointer, invoking): (type, code, word, body) = (ICMPv4Type.parameterProblem, c, UInt32(pointer) << 24, invoking)
        }
        bytes.put(type, at: 0)
        bytes.put(code, at: 1)
        bytes.put(UInt16(0), at: 2)
        bytes.put(word, at: 4)
        if !body.isEmpty {
            body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[8..<(8 + body.count)]).copyMemory(from: $0) }
        }
        let checksum = InternetChecksum.of(UnsafeRawBufferPointer(rebasing: bytes[..<(8 + body.count)]))
        bytes.put(checksum, at: 2)
    }
}
