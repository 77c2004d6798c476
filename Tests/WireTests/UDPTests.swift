import Testing
import Wire

@Suite("UDP")
struct UDPTests {
    static let wtA = IPv4Address(10, 99, 0, 1)
    static let wtB = IPv4Address(10, 99, 0, 2)

    static func datagram(_ frame: [UInt8]) -> [UInt8] { Array(frame[At.transport...]) }

    @Test("captured datagram: ports, length, checksum over the pseudo-header, payload")
    func capturedDatagram() throws {
        let datagram = Self.datagram(Captured.udpDatagram)
        try datagram.withUnsafeBytes { raw in
            let view = try UDPDatagramView(checking: raw)
            #expect(view.sourcePort == 40000)
            #expect(view.destinationPort == 9999)
            #expect(view.length == 21)
            #expect(view.checksum == 0xa289)
            #expect(view.checksumIsValid(source: Self.wtA, destination: Self.wtB))
            // The pseudo-header takes part: other addresses do not verify.
            #expect(!view.checksumIsValid(source: Self.wtB, destination: IPv4Address(10, 99, 0, 3)))
            #expect(String(decoding: view.payload, as: UTF8.self) == "hello nicbed\n")
            #expect(UDPRepr.parse(view) == UDPRepr(sourcePort: 40000, destinationPort: 9999, payloadLength: 13))
        }
    }

    @Test("captured VXLAN underlay datagrams: source port from the inner flow hash, port 4789")
    func capturedUnderlay() throws {
        let cases: [([UInt8], UInt16, Int, UInt16)] = [
            (Captured.vxlanARPRequest, 42830, 58, 0x8257),
            (Captured.vxlanEchoRequest, 46865, 114, 0xc470),
        ]
        for (frame, sourcePort, length, checksum) in cases {
            let datagram = Self.datagram(frame)
            try datagram.withUnsafeBytes { raw in
                let view = try UDPDatagramView(checking: raw)
                #expect(UDPRepr.parse(view) == UDPRepr(sourcePort: sourcePort, destinationPort: VXLANHeaderView.standardPort,
                                                       payloadLength: length - 8))
                #expect(view.length == length)
                #expect(view.checksum == checksum)
                #expect(view.checksumIsValid(source: Self.wtA, destination: Self.wtB))
            }
        }
    }

    @Test("emitting the parsed header over the captured payload gives back the datagram, checksum included",
          arguments: [Captured.udpDatagram, Captured.udpToClosedPort, Captured.vxlanARPRequest, Captured.vxlanEchoRequest])
    func emitIsByteIdentical(frame: [UInt8]) throws {
        let datagram = Self.datagram(frame)
        let repr = try datagram.withUnsafeBytes { raw in UDPRepr.parse(try UDPDatagramView(checking: raw)) }
        #expect(repr.length == datagram.count)
        var out = [UInt8](repeating: 0, count: 8) + datagram[8...]
        out.withUnsafeMutableBytes { repr.emit(into: $0, source: Self.wtA, destination: Self.wtB) }
        #expect(hex(out) == hex(datagram))
    }

    @Test("a checksum that computes to zero is sent as 0xffff, and still verifies")
    func zeroChecksumIsSentAsAllOnes() throws {
        let repr = UDPRepr(sourcePort: 1234, destinationPort: 5678, payloadLength: 2)
        // First pass with a zero payload word tells the sum; putting its checksum into the
        // payload makes the whole sum 0xffff, so the computed checksum is 0.
        var out = [UInt8](repeating: 0, count: 10)
        out.withUnsafeMutableBytes { repr.emit(into: $0, source: Self.wtA, destination: Self.wtB) }
        out[8] = out[6]
        out[9] = out[7]
        out.withUnsafeMutableBytes { repr.emit(into: $0, source: Self.wtA, destination: Self.wtB) }
        #expect(out[6] == 0xff && out[7] == 0xff)
        let valid = try out.withUnsafeBytes { raw in
            try UDPDatagramView(checking: raw).checksumIsValid(source: Self.wtA, destination: Self.wtB)
        }
        #expect(valid)
    }

    @Test("a zero checksum means none was sent and is accepted; a wrong one is not")
    func checksumZeroAndWrong() throws {
        var datagram = Self.datagram(Captured.udpDatagram)
        datagram[20] ^= 0x01   // corrupt the payload
        let wrong = try datagram.withUnsafeBytes { raw in
            try UDPDatagramView(checking: raw).checksumIsValid(source: Self.wtA, destination: Self.wtB)
        }
        #expect(!wrong)
        datagram[6] = 0
        datagram[7] = 0
        let none = try datagram.withUnsafeBytes { raw in
            try UDPDatagramView(checking: raw).checksumIsValid(source: Self.wtA, destination: Self.wtB)
        }
        #expect(none)
    }

    @Test("bytes past the length field are not part of the datagram")
    func trailingBytesAreCut() throws {
        let datagram = Self.datagram(Captured.udpDatagram) + [0xaa, 0xbb, 0xcc]
        try datagram.withUnsafeBytes { raw in
            let view = try UDPDatagramView(checking: raw)
            #expect(view.bytes.count == 21)
            #expect(view.payload.count == 13)
            #expect(view.checksumIsValid(source: Self.wtA, destination: Self.wtB))
        }
    }

    @Test("every buffer shorter than 8 bytes is truncated")
    func truncatedHeader() {
        expectEveryShortPrefixTruncated(Self.datagram(Captured.udpDatagram), layer: "UDP", needed: 8) { raw throws(WireError) in
            try UDPDatagramView(checking: raw)
        }
    }

    @Test("a length field past the buffer is truncated, at every length short of it")
    func truncatedDatagram() {
        let datagram = Self.datagram(Captured.udpDatagram)
        for length in 8..<21 {
            let error = parseError(Array(datagram.prefix(length))) { raw throws(WireError) in try UDPDatagramView(checking: raw) }
            #expect(error == .truncated(layer: "UDP", needed: 21, available: length))
        }
        var huge = datagram
        huge[4] = 0xff
        huge[5] = 0xff
        #expect(parseError(huge) { raw throws(WireError) in try UDPDatagramView(checking: raw) }
                == .truncated(layer: "UDP", needed: 65535, available: 21))
    }

    @Test("a length field below 8 is refused", arguments: 0..<8)
    func lengthBelowHeader(length: Int) {
        var datagram = Self.datagram(Captured.udpDatagram)
        datagram[4] = 0
        datagram[5] = UInt8(length)
        let error = parseError(datagram) { raw throws(WireError) in try UDPDatagramView(checking: raw) }
        #expect(error == .malformed(layer: "UDP", reason: "length field \(length) below 8"))
    }

    @Test("an empty datagram is 8 bytes")
    func empty() throws {
        let repr = UDPRepr(sourcePort: 68, destinationPort: 67, payloadLength: 0)
        #expect(repr.length == 8)
        var out = [UInt8](repeating: 0, count: 8)
        out.withUnsafeMutableBytes { repr.emit(into: $0, source: .any, destination: .broadcast) }
        #expect(hex(out[..<6]) == "004400430008")
        let parsed = try out.withUnsafeBytes { raw in
            let view = try UDPDatagramView(checking: raw)
            #expect(view.payload.isEmpty)
            #expect(view.checksumIsValid(source: .any, destination: .broadcast))
            return UDPRepr.parse(view)
        }
        #expect(parsed == repr)
    }
}
