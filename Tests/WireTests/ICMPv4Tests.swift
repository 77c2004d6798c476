import Testing
import Wire

@Suite("ICMPv4")
struct ICMPv4Tests {
    static func message(_ frame: [UInt8]) -> [UInt8] { Array(frame[At.transport...]) }

    static func repr(_ message: [UInt8], verifyChecksum: Bool = true) throws -> ICMPv4Repr {
        try message.withUnsafeBytes { raw in
            try ICMPv4Repr.parse(try ICMPv4MessageView(checking: raw), verifyChecksum: verifyChecksum)
        }
    }

    /// The 56 data bytes iputils ping sends: an 8+8-byte timeval, then 0x10, 0x11, ... 0x37.
    static func pingData(timeval: String) -> [UInt8] { bytes(timeval) + Array(0x10...0x37) }

    @Test("captured echo request: type, code, checksum, id, sequence, data")
    func capturedEchoRequest() throws {
        let message = Self.message(Captured.icmpEchoRequest)
        try message.withUnsafeBytes { raw in
            let view = try ICMPv4MessageView(checking: raw)
            #expect(view.type == ICMPv4Type.echoRequest)
            #expect(view.code == 0)
            #expect(view.checksum == 0x1089)
            #expect(view.checksumIsValid)
            #expect(view.identifier == 0x1524)
            #expect(view.sequenceNumber == 1)
            #expect(view.body.count == 56)
        }
        let data = Self.pingData(timeval: "d5de066b000000002b350c0000000000")
        #expect(try Self.repr(message) == .echoRequest(identifier: 0x1524, sequenceNumber: 1, data: data))
    }

    @Test("captured echo reply echoes the request's id, sequence and data")
    func capturedEchoReply() throws {
        let message = Self.message(Captured.icmpEchoReply)
        let data = Self.pingData(timeval: "d5de066b000000002b350c0000000000")
        #expect(try Self.repr(message) == .echoReply(identifier: 0x1524, sequenceNumber: 1, data: data))
        #expect(message[2] == 0x18 && message[3] == 0x89)
    }

    @Test("captured echo request carried over the VXLAN overlay")
    func capturedOverlayEcho() throws {
        let message = Array(Captured.vxlanEchoRequest[(At.innerFrame + 14 + 20)...])
        let data = Self.pingData(timeval: "d7de066b000000008a18060000000000")
        #expect(try Self.repr(message) == .echoRequest(identifier: 0x157c, sequenceNumber: 1, data: data))
    }

    @Test("captured port unreachable quotes the whole UDP datagram that hit the closed port")
    func capturedPortUnreachable() throws {
        let message = Self.message(Captured.icmpPortUnreachable)
        try message.withUnsafeBytes { raw in
            let view = try ICMPv4MessageView(checking: raw)
            #expect(view.type == ICMPv4Type.destinationUnreachable)
            #expect(view.code == ICMPv4Repr.UnreachableCode.port)
            #expect(view.checksum == 0x11ec)
            #expect(view.checksumIsValid)
            #expect(view.identifier == 0 && view.sequenceNumber == 0)
        }
        let invoking = Array(Captured.udpToClosedPort[At.ipv4...])
        #expect(invoking.count == 41)
        #expect(try Self.repr(message) == .destinationUnreachable(code: 3, invoking: invoking))
        // The quoted datagram parses as what it was: 10.99.0.1:40000 -> 10.99.0.2:9.
        try invoking.withUnsafeBytes { raw in
            let ip = try IPv4PacketView(checking: raw)
            #expect(try IPv4Repr.parse(ip).destination == IPv4Address(10, 99, 0, 2))
            let udpView = try UDPDatagramView(checking: ip.payload)
            #expect(udpView.checksumIsValid(source: IPv4Address(10, 99, 0, 1), destination: IPv4Address(10, 99, 0, 2)))
            #expect(UDPRepr.parse(udpView) == UDPRepr(sourcePort: 40000, destinationPort: 9, payloadLength: 13))
        }
    }

    @Test("captured time exceeded quotes the expired echo request")
    func capturedTimeExceeded() throws {
        let message = Self.message(Captured.icmpTimeExceeded)
        try message.withUnsafeBytes { raw in
            let view = try ICMPv4MessageView(checking: raw)
            #expect(view.type == ICMPv4Type.timeExceeded)
            #expect(view.code == 0)
            #expect(view.checksum == 0xf4ff)
            #expect(view.checksumIsValid)
        }
        guard case let .timeExceeded(code, invoking) = try Self.repr(message) else {
            Issue.record("not time exceeded")
            return
        }
        #expect(code == 0)
        #expect(invoking.count == 84)
        let quoted = try Self.repr(Array(invoking[20...]))
        let data = Self.pingData(timeval: "d7de066b00000000f6ca0a0000000000")
        #expect(quoted == .echoRequest(identifier: 0x157e, sequenceNumber: 1, data: data))
    }

    @Test("emitting the parsed message gives back the captured bytes, checksum included", arguments: [
        Captured.icmpEchoRequest, Captured.icmpEchoReply, Captured.icmpPortUnreachable, Captured.icmpTimeExceeded,
        Array(Captured.vxlanEchoRequest[(At.innerFrame + 14)...]).padded(front: At.ipv4),
    ])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let message = Self.message(frame)
        let repr = try Self.repr(message)
        #expect(repr.length == message.count)
        var out = [UInt8](repeating: 0xee, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out) == hex(message))
    }

    @Test("an odd-length echo payload gets a correct checksum")
    func oddLengthEcho() throws {
        let repr = ICMPv4Repr.echoRequest(identifier: 7, sequenceNumber: 9, data: [1, 2, 3])
        var out = [UInt8](repeating: 0, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<8]) == "0800" + hex(out[2..<4]) + "00070009")
        #expect(try Self.repr(out) == repr)
    }

    @Test("every buffer shorter than 8 bytes is truncated")
    func truncated() {
        expectEveryShortPrefixTruncated(Self.message(Captured.icmpEchoReply), layer: "ICMPv4", needed: 8) { raw throws(WireError) in
            try ICMPv4MessageView(checking: raw)
        }
    }

    @Test("a wrong checksum is badChecksum unless verification is off")
    func badChecksum() throws {
        var message = Self.message(Captured.icmpEchoRequest)
        message[30] ^= 0x40
        #expect(throws: WireError.badChecksum(layer: "ICMPv4")) { try Self.repr(message) }
        guard case let .echoRequest(_, _, data) = try Self.repr(message, verifyChecksum: false) else {
            Issue.record("not an echo request")
            return
        }
        #expect(data[22] == 0x16 ^ 0x40)
    }

    @Test("types and codes this stack does not handle are refused", arguments: [
        (UInt8(13), UInt8(0)),   // timestamp request
        (5, 1),                  // redirect
        (8, 1), (0, 1),          // echo with a non-zero code
        (3, 16),                 // destination unreachable past the last defined code
        (11, 2),                 // time exceeded, code 2
        (12, 3),                 // parameter problem, code 3
        (4, 0), (255, 255),
    ] as [(UInt8, UInt8)])
    func unsupported(type: UInt8, code: UInt8) {
        var message = Self.message(Captured.icmpPortUnreachable)
        message[0] = type
        message[1] = code
        fixICMPChecksum(&message)
        let error = parseError(message) { raw throws(WireError) in try ICMPv4Repr.parse(try ICMPv4MessageView(checking: raw)) }
        #expect(error == .malformed(layer: "ICMPv4", reason: "unsupported type \(type) code \(code)"))
    }

    @Test("every defined code of the two error types is accepted", arguments: [
        (UInt8(3), Array(UInt8(0)...15)), (11, [0, 1]), (12, [0, 1, 2]),
    ] as [(UInt8, [UInt8])])
    func errorCodes(type: UInt8, codes: [UInt8]) throws {
        for code in codes {
            var message = Self.message(Captured.icmpTimeExceeded)
            message[0] = type
            message[1] = code
            fixICMPChecksum(&message)
            let invoking = Array(message[8...])
            let expected: ICMPv4Repr = switch (type, code) {
            case (3, 4): .fragmentationNeeded(nextHopMTU: 0, invoking: invoking)
            case (3, _): .destinationUnreachable(code: code, invoking: invoking)
            case (11, _): .timeExceeded(code: code, invoking: invoking)
            default: .parameterProblem(code: code, pointer: 0, invoking: invoking)
            }
            #expect(try Self.repr(message) == expected)
        }
    }

    @Test("error messages without the invoking IPv4 header are truncated", arguments: [UInt8(3), 11, 12])
    func errorWithoutInvokingHeader(type: UInt8) throws {
        for bodyLength in [0, 1, 8, 19] {
            var message = Array(Self.message(Captured.icmpTimeExceeded).prefix(8 + bodyLength))
            message[0] = type
            fixICMPChecksum(&message)
            let error = parseError(message) { raw throws(WireError) in try ICMPv4Repr.parse(try ICMPv4MessageView(checking: raw)) }
            #expect(error == .truncated(layer: "ICMPv4", needed: 28, available: 8 + bodyLength))
        }
        // 20 bytes of quoted header are enough.
        var message = Array(Self.message(Captured.icmpTimeExceeded).prefix(28))
        message[0] = type
        fixICMPChecksum(&message)
        #expect(parseError(message) { raw throws(WireError) in try ICMPv4Repr.parse(try ICMPv4MessageView(checking: raw)) } == nil)
    }

    @Test("fragmentation needed carries the next-hop MTU in the low half of its second word (RFC 1191)")
    func fragmentationNeeded() throws {
        let invoking = Array(Self.message(Captured.icmpTimeExceeded)[8...])
        let repr = ICMPv4Repr.fragmentationNeeded(nextHopMTU: 1280, invoking: invoking)
        var out = [UInt8](repeating: 0, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<2]) == "0304")
        #expect(hex(out[4..<8]) == "00000500")
        #expect(out.withUnsafeBytes { InternetChecksum.of($0) } == 0)
        #expect(try Self.repr(out) == repr)
        #expect(repr.invoking == invoking)
    }

    @Test("parameter problem carries its pointer in the first octet of its second word")
    func parameterProblem() throws {
        let invoking = Array(Self.message(Captured.icmpTimeExceeded)[8...])
        let repr = ICMPv4Repr.parameterProblem(code: 0, pointer: 9, invoking: invoking)
        var out = [UInt8](repeating: 0, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out[..<2]) == "0c00")
        #expect(hex(out[4..<8]) == "09000000")
        #expect(try Self.repr(out) == repr)
    }

    @Test("an echo with no data is fine")
    func emptyEcho() throws {
        let repr = ICMPv4Repr.echoReply(identifier: 0xffff, sequenceNumber: 0xfffe, data: [])
        #expect(repr.length == 8)
        var out = [UInt8](repeating: 0, count: 8)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        #expect(hex(out) == "00000001fffffffe")   // ~(0xffff + 0xfffe folded) = 0x0001
        #expect(try Self.repr(out) == repr)
    }

    @Test("type and code values follow RFC 792")
    func values() {
        #expect(ICMPv4Type.echoReply == 0)
        #expect(ICMPv4Type.destinationUnreachable == 3)
        #expect(ICMPv4Type.echoRequest == 8)
        #expect(ICMPv4Type.timeExceeded == 11)
        #expect(ICMPv4Type.parameterProblem == 12)
        #expect(ICMPv4Repr.UnreachableCode.network == 0)
        #expect(ICMPv4Repr.UnreachableCode.host == 1)
        #expect(ICMPv4Repr.UnreachableCode.protocol == 2)
        #expect(ICMPv4Repr.UnreachableCode.port == 3)
        #expect(ICMPv4Repr.UnreachableCode.fragmentationNeeded == 4)
    }
}
