import Testing
import Wire

@Suite("TCP")
struct TCPTests {
    static let wtA = IPv4Address(10, 99, 0, 1)
    static let wtB = IPv4Address(10, 99, 0, 2)
    /// The hand-driven client of the SACK capture.
    static let rawClient = IPv4Address(10, 99, 0, 3)

    static func segment(_ frame: [UInt8]) -> [UInt8] { Array(frame[At.transport...]) }

    static func repr(_ segment: [UInt8]) throws -> TCPHeaderRepr {
        try segment.withUnsafeBytes { raw in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) }
    }

    /// Header fields of a captured segment, read through the view.
    struct Fields: Equatable {
        var sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32
        var headerLength: Int, flags: TCPFlags, window: UInt16, checksum: UInt16, urgentPointer: UInt16
        var payload: String
    }

    static func fields(_ segment: [UInt8], source: IPv4Address, destination: IPv4Address) throws -> Fields {
        try segment.withUnsafeBytes { raw in
            let view = try TCPSegmentView(checking: raw)
            #expect(view.checksumIsValid(source: source, destination: destination))
            #expect(Array(view.optionBytes) == Array(segment[20..<view.headerLength]))
            return Fields(sourcePort: view.sourcePort, destinationPort: view.destinationPort,
                          sequenceNumber: view.sequenceNumber, acknowledgmentNumber: view.acknowledgmentNumber,
                          headerLength: view.headerLength, flags: view.flags, window: view.window,
                          checksum: view.checksum, urgentPointer: view.urgentPointer,
                          payload: String(decoding: view.payload, as: UTF8.self))
        }
    }

    @Test("captured handshake: SYN, SYN-ACK, ACK, every field")
    func capturedHandshake() throws {
        #expect(try Self.fields(Self.segment(Captured.tcpSYN), source: Self.wtA, destination: Self.wtB) == Fields(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 1_389_765_274, acknowledgmentNumber: 0,
            headerLength: 40, flags: .syn, window: 64240, checksum: 0x9e0f, urgentPointer: 0, payload: ""))
        #expect(try Self.fields(Self.segment(Captured.tcpSYNACK), source: Self.wtB, destination: Self.wtA) == Fields(
            sourcePort: 8000, destinationPort: 51010, sequenceNumber: 2_746_988_076, acknowledgmentNumber: 1_389_765_275,
            headerLength: 40, flags: [.syn, .ack], window: 65160, checksum: 0xd774, urgentPointer: 0, payload: ""))
        // The window is scaled from here on (shift 10): 63 means 64512 bytes.
        #expect(try Self.fields(Self.segment(Captured.tcpACK), source: Self.wtA, destination: Self.wtB) == Fields(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 1_389_765_275, acknowledgmentNumber: 2_746_988_077,
            headerLength: 32, flags: .ack, window: 63, checksum: 0x048e, urgentPointer: 0, payload: ""))

        #expect(try Self.repr(Self.segment(Captured.tcpSYN)) == TCPHeaderRepr(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 0x52d6_229a, acknowledgmentNumber: 0,
            flags: .syn, window: 64240, urgentPointer: 0,
            options: TCPOptions(maximumSegmentSize: 1460, windowScale: 10, sackPermitted: true,
                                timestamps: (0x43d3_fa6d, 0))))
        #expect(try Self.repr(Self.segment(Captured.tcpSYNACK)) == TCPHeaderRepr(
            sourcePort: 8000, destinationPort: 51010, sequenceNumber: 0xa3bb_b62c, acknowledgmentNumber: 0x52d6_229b,
            flags: [.syn, .ack], window: 65160,
            options: TCPOptions(maximumSegmentSize: 1460, windowScale: 10, sackPermitted: true,
                                timestamps: (0xb3bb_b54d, 0x43d3_fa6d))))
        #expect(try Self.repr(Self.segment(Captured.tcpACK)) == TCPHeaderRepr(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 0x52d6_229b, acknowledgmentNumber: 0xa3bb_b62d,
            flags: .ack, window: 63, options: TCPOptions(timestamps: (0x43d3_fa6d, 0xb3bb_b54d))))
    }

    @Test("captured data segments: curl's request and the server's body")
    func capturedData() throws {
        let request = "GET /hi.txt HTTP/1.1\r\nHost: 10.99.0.2:8000\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
        #expect(try Self.fields(Self.segment(Captured.tcpRequest), source: Self.wtA, destination: Self.wtB) == Fields(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 0x52d6_229b, acknowledgmentNumber: 0xa3bb_b62d,
            headerLength: 32, flags: [.psh, .ack], window: 63, checksum: 0x34b7, urgentPointer: 0, payload: request))
        #expect(request.utf8.count == 84)
        #expect(try Self.fields(Self.segment(Captured.tcpResponseBody), source: Self.wtB, destination: Self.wtA) == Fields(
            sourcePort: 8000, destinationPort: 51010, sequenceNumber: 0xa3bb_b6e7, acknowledgmentNumber: 0x52d6_22ef,
            headerLength: 32, flags: [.psh, .ack], window: 64, checksum: 0x993f, urgentPointer: 0,
            payload: "hello from nicbed\n"))
        #expect(try Self.repr(Self.segment(Captured.tcpResponseBody)).options
                == TCPOptions(timestamps: (0xb3bb_b556, 0x43d3_fa76)))
    }

    @Test("captured FIN: the request's 84 bytes are acknowledged, the FIN takes the next number")
    func capturedFIN() throws {
        let fin = try Self.repr(Self.segment(Captured.tcpFIN))
        #expect(fin == TCPHeaderRepr(
            sourcePort: 51010, destinationPort: 8000, sequenceNumber: 0x52d6_229b + 84, acknowledgmentNumber: 0xa3bb_b6f9,
            flags: [.fin, .ack], window: 63, options: TCPOptions(timestamps: (0x43d3_fa76, 0xb3bb_b556))))
        let checksum = try Self.fields(Self.segment(Captured.tcpFIN), source: Self.wtA, destination: Self.wtB).checksum
        #expect(checksum == 0x035b)
    }

    @Test("captured duplicate ACK carrying a SACK block")
    func capturedSACK() throws {
        let segment = Self.segment(Captured.tcpSACK)
        #expect(try Self.fields(segment, source: Self.wtB, destination: Self.rawClient) == Fields(
            sourcePort: 8001, destinationPort: 45678, sequenceNumber: 0x3aa9_fe78, acknowledgmentNumber: 1_000_001,
            headerLength: 44, flags: .ack, window: 64, checksum: 0x56e7, urgentPointer: 0, payload: ""))
        #expect(try Self.repr(segment).options == TCPOptions(
            sackBlocks: [SACKBlock(left: 1_000_101, right: 1_000_201)], timestamps: (0x4c07_8584, 12346)))
    }

    /// Emits `repr` with `payload` behind it and fills the checksum.
    static func emit(_ repr: TCPHeaderRepr, payload: [UInt8], source: IPv4Address, destination: IPv4Address) -> [UInt8] {
        var out = [UInt8](repeating: 0xee, count: repr.headerLength) + payload
        out.withUnsafeMutableBytes { segment in
            repr.emit(into: segment)
            TCPHeaderRepr.fillChecksum(segment, source: source, destination: destination)
        }
        return out
    }

    @Test("timestamp-only segments: our bytes equal Linux's except the option order (TS, NOP, NOP vs NOP, NOP, TS); the checksum is equal too", arguments: [
        (Captured.tcpACK, wtA, wtB), (Captured.tcpRequest, wtA, wtB),
        (Captured.tcpResponseBody, wtB, wtA), (Captured.tcpFIN, wtA, wtB),
    ] as [([UInt8], IPv4Address, IPv4Address)])
    func emitTimestampSegments(frame: [UInt8], source: IPv4Address, destination: IPv4Address) throws {
        let segment = Self.segment(frame)
        let repr = try Self.repr(segment)
        let ours = Self.emit(repr, payload: Array(segment[32...]), source: source, destination: destination)
        #expect(ours.count == segment.count)
        // The same 16-bit words in another order sum the same, so the fixed header matches
        // byte for byte, checksum included.
        #expect(hex(ours[..<20]) == hex(segment[..<20]))
        #expect(hex(segment[20..<24]) == "0101080a")
        #expect(hex(ours[20..<22]) == "080a")
        #expect(hex(ours[22..<30]) == hex(segment[24..<32]))
        #expect(hex(ours[30..<32]) == "0101")
        #expect(ours[32...] == segment[32...])
    }

    @Test("SYN, SYN-ACK and SACK segments: our option layout differs, so compare fields and parsed options", arguments: [
        (Captured.tcpSYN, wtA, wtB), (Captured.tcpSYNACK, wtB, wtA), (Captured.tcpSACK, wtB, rawClient),
    ] as [([UInt8], IPv4Address, IPv4Address)])
    func emitOptionSegments(frame: [UInt8], source: IPv4Address, destination: IPv4Address) throws {
        let segment = Self.segment(frame)
        let repr = try Self.repr(segment)
        let ours = Self.emit(repr, payload: [], source: source, destination: destination)
        // Ports, sequence and acknowledgment numbers, flags and window are the captured bytes.
        #expect(hex(ours[..<12]) == hex(segment[..<12]))
        #expect(hex(ours[13..<16]) == hex(segment[13..<16]))
        #expect(hex(ours[18..<20]) == hex(segment[18..<20]))
        // Linux spends 24 option bytes on the SACK ACK (NOP-aligned), we 20.
        #expect(ours.count == (frame == Captured.tcpSACK ? 40 : segment.count))
        let reparsed = try Self.repr(ours)
        #expect(reparsed == repr)
        let valid = try ours.withUnsafeBytes { raw in
            try TCPSegmentView(checking: raw).checksumIsValid(source: source, destination: destination)
        }
        #expect(valid)
    }

    @Test("the checksum covers the pseudo-header, the header and the payload")
    func checksumCoverage() throws {
        func valid(_ segment: [UInt8], _ source: IPv4Address, _ destination: IPv4Address) throws -> Bool {
            try segment.withUnsafeBytes { raw in try TCPSegmentView(checking: raw).checksumIsValid(source: source, destination: destination) }
        }
        let segment = Self.segment(Captured.tcpRequest)
        #expect(try valid(segment, Self.wtA, Self.wtB))
        #expect(try !valid(segment, Self.wtA, Self.rawClient))
        var corrupted = segment
        corrupted[54] ^= 0x20   // "Host" becomes "host"
        #expect(try !valid(corrupted, Self.wtA, Self.wtB))
        corrupted = segment
        corrupted[14] ^= 0x01   // the window
        #expect(try !valid(corrupted, Self.wtA, Self.wtB))
        // fillChecksum ignores whatever the field held before.
        corrupted = segment
        corrupted[16] = 0xde
        corrupted[17] = 0xad
        corrupted.withUnsafeMutableBytes { TCPHeaderRepr.fillChecksum($0, source: Self.wtA, destination: Self.wtB) }
        #expect(corrupted == segment)
    }

    @Test("every buffer shorter than 20 bytes is truncated")
    func truncatedHeader() {
        expectEveryShortPrefixTruncated(Self.segment(Captured.tcpACK), layer: "TCP", needed: 20) { raw throws(WireError) in
            try TCPSegmentView(checking: raw)
        }
    }

    @Test("a data offset past the buffer is truncated, at every length short of it")
    func truncatedOptions() {
        let segment = Self.segment(Captured.tcpSYN)
        for length in 20..<40 {
            let error = parseError(Array(segment.prefix(length))) { raw throws(WireError) in try TCPSegmentView(checking: raw) }
            #expect(error == .truncated(layer: "TCP", needed: 40, available: length))
        }
        var header = Array(Self.segment(Captured.tcpACK)[..<20])
        header[12] = 0xf0
        #expect(parseError(header) { raw throws(WireError) in try TCPSegmentView(checking: raw) }
                == .truncated(layer: "TCP", needed: 60, available: 20))
    }

    @Test("a data offset below 5 is refused", arguments: 0..<5)
    func shortDataOffset(offset: Int) {
        var segment = Self.segment(Captured.tcpACK)
        segment[12] = UInt8(offset) << 4
        let error = parseError(segment) { raw throws(WireError) in try TCPSegmentView(checking: raw) }
        #expect(error == .malformed(layer: "TCP", reason: "data offset \(offset * 4) below 20"))
    }

    @Test("port 0 is refused on either side", arguments: [0, 2])
    func portZero(offset: Int) {
        var segment = Self.segment(Captured.tcpACK)
        segment[offset] = 0
        segment[offset + 1] = 0
        let error = parseError(segment) { raw throws(WireError) in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) }
        #expect(error == .malformed(layer: "TCP", reason: "port 0"))
    }

    @Test("bad options make the header unparseable")
    func badOptions() {
        var segment = Self.segment(Captured.tcpSYN)
        segment[21] = 5   // MSS length 5
        #expect(parseError(segment) { raw throws(WireError) in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) }
                == .malformed(layer: "TCP", reason: "MSS option length 5"))
        segment = Self.segment(Captured.tcpSYN)
        segment[27] = 30   // timestamps length 30, past the options
        #expect(parseError(segment) { raw throws(WireError) in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) }
                == .malformed(layer: "TCP", reason: "option 8 length 30 does not fit"))
        // The options end at the data offset: the payload is not read as options.
        segment = Self.segment(Captured.tcpACK)
        segment[12] = 0x50
        #expect(parseError(segment) { raw throws(WireError) in try TCPHeaderRepr.parse(try TCPSegmentView(checking: raw)) } == nil)
    }

    @Test("flags: bit values and the tcpdump-like description")
    func flags() {
        #expect(TCPFlags.fin.rawValue == 0x01 && TCPFlags.syn.rawValue == 0x02 && TCPFlags.rst.rawValue == 0x04)
        #expect(TCPFlags.psh.rawValue == 0x08 && TCPFlags.ack.rawValue == 0x10 && TCPFlags.urg.rawValue == 0x20)
        #expect(TCPFlags.ece.rawValue == 0x40 && TCPFlags.cwr.rawValue == 0x80)
        #expect(TCPFlags.syn.description == "S")
        #expect(TCPFlags([.syn, .ack]).description == "S.")
        #expect(TCPFlags([.psh, .ack]).description == "P.")
        #expect(TCPFlags([.fin, .ack]).description == "F.")
        #expect(TCPFlags([.rst, .ack]).description == "R.")
        #expect(TCPFlags().description == "none")
        #expect(TCPFlags(rawValue: 0xff).description == "SFRP.UEW")
    }

    @Test("ECE and CWR are read from the flags byte")
    func eceCwr() throws {
        var segment = Self.segment(Captured.tcpSYN)
        segment[13] = 0xc2   // SYN with ECE and CWR: an ECN-setup SYN
        #expect(try Self.repr(segment).flags == [.syn, .ece, .cwr])
    }

    @Test("the header never outgrows the 4-bit data offset, whatever SACK blocks are asked for")
    func headerLengthLimit() throws {
        let blocks = (1...4).map { SACKBlock(left: UInt32($0) * 100, right: UInt32($0) * 100 + 50) }
        let repr = TCPHeaderRepr(sourcePort: 8001, destinationPort: 45678, sequenceNumber: 1, acknowledgmentNumber: 2,
                                 flags: .ack, window: 64, options: TCPOptions(sackBlocks: SACKBlocks(blocks), timestamps: (3, 4)))
        #expect(repr.headerLength == 56)
        let out = Self.emit(repr, payload: [], source: Self.wtB, destination: Self.rawClient)
        #expect(out[12] >> 4 == 14)
        let parsed = try Self.repr(out)
        #expect(parsed.options.sackBlocks == SACKBlocks(blocks.prefix(3)))
    }

    @Test("a header without options is 20 bytes with data offset 5")
    func bareHeader() throws {
        let repr = TCPHeaderRepr(sourcePort: 1, destinationPort: 0xffff, sequenceNumber: 0xffff_ffff, flags: .rst, window: 0)
        #expect(repr.acknowledgmentNumber == 0 && repr.urgentPointer == 0 && repr.options == TCPOptions())
        #expect(repr.headerLength == 20)
        let out = Self.emit(repr, payload: [], source: Self.wtA, destination: Self.wtB)
        #expect(hex(out[..<16]) == "0001ffffffffffff0000000050040000")
        #expect(try Self.repr(out) == repr)
    }
}
