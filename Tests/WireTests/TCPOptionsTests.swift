import Testing
import Wire

@Suite("TCP options")
struct TCPOptionsTests {
    /// The option bytes of a captured segment (between the fixed header and the data).
    static func optionBytes(_ frame: [UInt8]) -> [UInt8] {
        let headerLength = Int(frame[At.transport + 12] >> 4) * 4
        return Array(frame[(At.transport + 20)..<(At.transport + headerLength)])
    }

    static func parse(_ bytes: [UInt8]) throws -> TCPOptions {
        try bytes.withUnsafeBytes { raw in try TCPOptions.parse(raw) }
    }

    static func parseError(_ bytes: [UInt8]) -> WireError? {
        WireTests.parseError(bytes) { raw throws(WireError) in try TCPOptions.parse(raw) }
    }

    static func emit(_ options: TCPOptions) -> [UInt8] {
        var out = [UInt8](repeating: 0xee, count: options.encodedLength)
        let written = out.withUnsafeMutableBytes { options.emit(into: $0) }
        #expect(written == options.encodedLength)
        return out
    }

    @Test("captured SYN from Linux: MSS, SACK-permitted, timestamps, NOP, window scale")
    func capturedSYN() throws {
        let bytes = Self.optionBytes(Captured.tcpSYN)
        #expect(hex(bytes) == "020405b40402080a43d3fa6d000000000103030a")
        let options = try Self.parse(bytes)
        #expect(options.maximumSegmentSize == 1460)
        #expect(options.windowScale == 10)
        #expect(options.sackPermitted)
        #expect(options.sackBlocks.isEmpty)
        #expect(options.timestamps?.value == 0x43d3_fa6d)
        #expect(options.timestamps?.echoReply == 0)
    }

    @Test("captured SYN-ACK from Linux echoes the SYN's timestamp")
    func capturedSYNACK() throws {
        let options = try Self.parse(Self.optionBytes(Captured.tcpSYNACK))
        #expect(options == TCPOptions(maximumSegmentSize: 1460, windowScale: 10, sackPermitted: true,
                                      timestamps: (value: 0xb3bb_b54d, echoReply: 0x43d3_fa6d)))
    }

    @Test("captured data segment: NOP, NOP, timestamps")
    func capturedTimestampsOnly() throws {
        let bytes = Self.optionBytes(Captured.tcpRequest)
        #expect(hex(bytes) == "0101080a43d3fa6eb3bbb54d")
        #expect(try Self.parse(bytes) == TCPOptions(timestamps: (0x43d3_fa6e, 0xb3bb_b54d)))
    }

    @Test("captured duplicate ACK from Linux: timestamps and one SACK block")
    func capturedSACK() throws {
        let bytes = Self.optionBytes(Captured.tcpSACK)
        #expect(hex(bytes) == "0101080a4c0785840000303a0101050a000f42a5000f4309")
        let options = try Self.parse(bytes)
        #expect(options.sackBlocks == [SACKBlock(left: 1_000_101, right: 1_000_201)])
        #expect(options.timestamps?.value == 0x4c07_8584)
        #expect(options.timestamps?.echoReply == 12346)
        #expect(options.maximumSegmentSize == nil && options.windowScale == nil && !options.sackPermitted)
    }

    @Test("our emitter orders options differently from Linux; the parsed options are the same")
    func emitOrderDiffersFromLinux() throws {
        // Linux: MSS, SACK-permitted, TS, NOP, WS. We: MSS, WS, SACK-permitted, TS, NOP padding.
        let linux = Self.optionBytes(Captured.tcpSYN)
        let options = try Self.parse(linux)
        let ours = Self.emit(options)
        #expect(hex(ours) == "020405b403030a0402080a43d3fa6d0000000001")
        #expect(ours.count == linux.count)
        #expect(try Self.parse(ours) == options)
        // Linux: NOP, NOP, TS. We: TS, NOP, NOP.
        let data = try Self.parse(Self.optionBytes(Captured.tcpRequest))
        #expect(hex(Self.emit(data)) == "080a43d3fa6eb3bbb54d0101")
        // Linux: NOP, NOP, TS, NOP, NOP, SACK (24 bytes). We: TS, SACK (20 bytes).
        let sack = try Self.parse(Self.optionBytes(Captured.tcpSACK))
        #expect(hex(Self.emit(sack)) == "080a4c0785840000303a050a000f42a5000f4309")
    }

    @Test("no options, only padding, and the end-of-list option")
    func emptyAndEnd() throws {
        #expect(try Self.parse([]) == TCPOptions())
        #expect(try Self.parse([1, 1, 1, 1]) == TCPOptions())
        #expect(try Self.parse([0, 0, 0, 0]) == TCPOptions())
        // Nothing after end-of-list is read, not even garbage.
        #expect(try Self.parse([2, 4, 0x05, 0xb4, 0, 0xff, 0x00, 0x03]) == TCPOptions(maximumSegmentSize: 1460))
        #expect(try Self.parse([0, 2, 4, 0x05, 0xb4]) == TCPOptions())
    }

    @Test("unknown options are skipped by their length")
    func unknownOptionsSkipped() throws {
        // Kind 30 (MPTCP) with 4 bytes, kind 254 (experimental) with 2, then window scale.
        #expect(try Self.parse([30, 4, 0xaa, 0xbb, 254, 2, 3, 3, 7, 0]) == TCPOptions(windowScale: 7))
        // Kind 34 (TFO cookie) of 10 bytes in front of MSS.
        #expect(try Self.parse([34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 0x02, 0x18]) == TCPOptions(maximumSegmentSize: 536))
    }

    @Test("an option with no length byte is refused", arguments: [
        [UInt8(2)], [3], [8], [30], [1, 1, 1, 30], [2, 4, 5, 0xb4, 4],
    ])
    func noLengthByte(bytes: [UInt8]) {
        #expect(Self.parseError(bytes) == .malformed(layer: "TCP", reason: "option \(bytes.last!) has no length byte"))
    }

    @Test("lengths 0 and 1, and lengths running past the options, are refused", arguments: [
        ([UInt8(2), 0, 0, 0], UInt8(2), 0),
        ([30, 1, 0, 0], 30, 1),
        ([30, 0], 30, 0),
        ([8, 10, 0, 0, 0, 0], 8, 10),
        ([1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0], 5, 10),
        ([30, 255, 0, 0], 30, 255),
    ] as [([UInt8], UInt8, Int)])
    func badLength(bytes: [UInt8], kind: UInt8, length: Int) {
        #expect(Self.parseError(bytes) == .malformed(layer: "TCP", reason: "option \(kind) length \(length) does not fit"))
    }

    @Test("known options with the wrong length are refused", arguments: [
        ([UInt8(2), 3, 5, 0], "MSS option length 3"),
        ([2, 5, 5, 0xb4, 0], "MSS option length 5"),
        ([2, 2, 0, 0], "MSS option length 2"),
        ([3, 2, 0, 0], "window scale option length 2"),
        ([3, 4, 7, 0], "window scale option length 4"),
        ([4, 3, 0, 0], "SACK-permitted option length 3"),
        ([4, 4, 0, 0], "SACK-permitted option length 4"),
        ([5, 2, 0, 0], "SACK option length 2"),
        ([5, 6, 0, 0, 0, 1, 0, 0], "SACK option length 6"),
        ([5, 9] + [UInt8](repeating: 0, count: 7), "SACK option length 9"),
        ([5, 11] + [UInt8](repeating: 0, count: 9), "SACK option length 11"),
        ([5, 17] + [UInt8](repeating: 0, count: 15), "SACK option length 17"),
        ([8, 8, 0, 0, 0, 1, 0, 0], "timestamps option length 8"),
        ([8, 12] + [UInt8](repeating: 0, count: 10), "timestamps option length 12"),
    ] as [([UInt8], String)])
    func wrongKnownLength(bytes: [UInt8], reason: String) {
        #expect(Self.parseError(bytes) == .malformed(layer: "TCP", reason: reason))
    }

    @Test("up to four SACK blocks are read, in order")
    func fourSACKBlocks() throws {
        var bytes: [UInt8] = [1, 1, 5, 34]
        let blocks = (0..<4).map { SACKBlock(left: 0xfff0_0000 &+ UInt32($0) * 0x1000, right: 0xfff0_0800 &+ UInt32($0) * 0x1000) }
        for block in blocks {
            for value in [block.left, block.right] {
                bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
            }
        }
        #expect(bytes.count == 36)
        #expect(try Self.parse(bytes).sackBlocks == SACKBlocks(blocks))
    }

    @Test("encoded lengths are padded to four bytes")
    func encodedLengths() {
        let block = SACKBlock(left: 1, right: 2)
        let ts = (value: UInt32(1), echoReply: UInt32(2))
        #expect(TCPOptions().encodedLength == 0)
        #expect(TCPOptions(maximumSegmentSize: 1460).encodedLength == 4)
        #expect(TCPOptions(windowScale: 7).encodedLength == 4)
        #expect(TCPOptions(sackPermitted: true).encodedLength == 4)
        #expect(TCPOptions(timestamps: ts).encodedLength == 12)
        #expect(TCPOptions(maximumSegmentSize: 1460, windowScale: 7, sackPermitted: true, timestamps: ts).encodedLength == 20)
        #expect(TCPOptions(sackBlocks: [block]).encodedLength == 12)
        #expect(TCPOptions(sackBlocks: [block], timestamps: ts).encodedLength == 20)
        #expect(TCPOptions(sackBlocks: [block, block, block], timestamps: ts).encodedLength == 36)
        #expect(TCPOptions(sackBlocks: [block, block, block, block]).encodedLength == 36)
    }

    @Test("padding is NOP")
    func paddingIsNOP() {
        #expect(Self.emit(TCPOptions(windowScale: 14)) == [3, 3, 14, 1])
        #expect(Self.emit(TCPOptions(sackPermitted: true)) == [4, 2, 1, 1])
        #expect(Self.emit(TCPOptions(maximumSegmentSize: 0xffff)) == [2, 4, 0xff, 0xff])
    }

    @Test("SACK blocks that do not fit in 40 option bytes are left out, the first (most recent) kept")
    func sackBlocksBeyondFortyBytes() throws {
        let blocks = (1...4).map { SACKBlock(left: UInt32($0) * 1000, right: UInt32($0) * 1000 + 500) }
        let ts = (value: UInt32(7), echoReply: UInt32(8))
        // Alone, four fit (34 bytes); with timestamps, three (36); with timestamps and 3 or more
        // other bytes, still three (13 + 26 = 39); with 6 or more, two (16 + 18 = 34, 16 + 26 > 40).
        let cases: [(TCPOptions, Int)] = [
            (TCPOptions(sackBlocks: SACKBlocks(blocks)), 4),
            (TCPOptions(sackBlocks: SACKBlocks(blocks), timestamps: ts), 3),
            (TCPOptions(windowScale: 1, sackBlocks: SACKBlocks(blocks), timestamps: ts), 3),
            (TCPOptions(maximumSegmentSize: 1, sackPermitted: true, sackBlocks: SACKBlocks(blocks), timestamps: ts), 2),
            (TCPOptions(maximumSegmentSize: 1, windowScale: 1, sackPermitted: true, sackBlocks: SACKBlocks(blocks), timestamps: ts), 2),
        ]
        for (options, sent) in cases {
            #expect(options.encodedLength <= 40)
            let emitted = Self.emit(options)
            #expect(emitted.count == options.encodedLength)
            let parsed = try Self.parse(emitted)
            #expect(parsed.sackBlocks == SACKBlocks(blocks.prefix(sent)))
            #expect(parsed.timestamps?.value == options.timestamps?.value)
            #expect(parsed.windowScale == options.windowScale)
        }
    }

    @Test("random option sets survive emit and parse")
    func randomRoundTrips() throws {
        var rng = SplitMix64(seed: 0x7463_706f_7074)
        for _ in 0..<2000 {
            let r = rng.next()
            let blockCount = Int((r >> 8) % 5)
            let options = TCPOptions(
                maximumSegmentSize: r & 1 != 0 ? UInt16(truncatingIfNeeded: rng.next()) : nil,
                windowScale: r & 2 != 0 ? UInt8(truncatingIfNeeded: rng.next() % 15) : nil,
                sackPermitted: r & 4 != 0,
                sackBlocks: SACKBlocks((0..<blockCount).map { _ in
                    SACKBlock(left: UInt32(truncatingIfNeeded: rng.next()), right: UInt32(truncatingIfNeeded: rng.next()))
                }),
                timestamps: r & 8 != 0 ? (UInt32(truncatingIfNeeded: rng.next()), UInt32(truncatingIfNeeded: rng.next())) : nil)
            let emitted = Self.emit(options)
            #expect(emitted.count % 4 == 0 && emitted.count <= 40)
            var expected = options
            // As many blocks as fit in 40 bytes beside the other options (see above).
            let others = (options.maximumSegmentSize != nil ? 4 : 0) + (options.windowScale != nil ? 3 : 0)
                + (options.sackPermitted ? 2 : 0) + (options.timestamps != nil ? 10 : 0)
            expected.sackBlocks = options.sackBlocks.prefix((40 - others - 2) / 8)
            #expect(try Self.parse(emitted) == expected)
        }
    }

    @Test("equality compares timestamps by value")
    func equality() {
        #expect(TCPOptions(timestamps: (1, 2)) == TCPOptions(timestamps: (1, 2)))
        #expect(TCPOptions(timestamps: (1, 2)) != TCPOptions(timestamps: (1, 3)))
        #expect(TCPOptions(timestamps: (1, 2)) != TCPOptions(timestamps: (2, 2)))
        #expect(TCPOptions(timestamps: (0, 0)) != TCPOptions())
        #expect(TCPOptions(sackPermitted: true) != TCPOptions())
        #expect(TCPOptions(sackBlocks: [SACKBlock(left: 1, right: 2)]) != TCPOptions(sackBlocks: [SACKBlock(left: 1, right: 3)]))
    }

    @Test("option kinds")
    func kinds() {
        #expect([TCPOptions.Kind.end, TCPOptions.Kind.noOperation, TCPOptions.Kind.maximumSegmentSize,
                 TCPOptions.Kind.windowScale, TCPOptions.Kind.sackPermitted, TCPOptions.Kind.sack,
                 TCPOptions.Kind.timestamps] == [0, 1, 2, 3, 4, 5, 8])
    }
}

/// The inline list of SACK blocks: four at most, as an option can carry.
@Suite("SACK blocks")
struct SACKBlocksTests {
    @Test func holdsFourAndDropsWhatCouldNeverBeSent() {
        let blocks = (1...6).map { SACKBlock(left: UInt32($0), right: UInt32($0) + 1) }
        let list = SACKBlocks(blocks)
        #expect(list.count == 4 && list.isFull)
        #expect(Array(list) == Array(blocks.prefix(4)))
        #expect(Array(list.prefix(2)) == Array(blocks.prefix(2)))
        #expect(list.prefix(9) == list && list.prefix(-1).isEmpty)
    }

    @Test func anOptionClaimingFiveBlocksIsRefused() {
        // 2 + 5 × 8 = 42 bytes: longer than TCP's 40 option bytes allow, refused as malformed.
        var bytes: [UInt8] = [TCPOptions.Kind.sack, 42]
        bytes += [UInt8](repeating: 0, count: 40)
        #expect(throws: WireError.self) { try bytes.withUnsafeBytes { try TCPOptions.parse($0) } }
    }
}
