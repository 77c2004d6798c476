/// A SACK block (RFC 2018): the peer holds [left, right) of the sequence space.
public struct SACKBlock: Equatable, Sendable {
    public var left: UInt32
    public var right: UInt32
    public init(left: UInt32, right: UInt32) { self.left = left; self.right = right }
}

/// The TCP options this stack reads and writes. Unknown options are skipped on input, as
/// RFC 9293 §3.2 requires, as long as their length byte is sane.
public struct TCPOptions: Equatable, Sendable {
    public var maximumSegmentSize: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted: Bool = false
    public var sackBlocks = SACKBlocks()
    public var timestamps: (value: UInt32, echoReply: UInt32)?

    public init(maximumSegmentSize: UInt16? = nil, windowScale: UInt8? = nil, sackPermitted: Bool = false,
                sackBlocks: SACKBlocks = SACKBlocks(), // not `[]`: the literal goes through a variadic array, per segment
                timestamps: (value: UInt32, echoReply: UInt32)? = nil) {
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.sackBlocks = sackBlocks
        self.timestamps = timestamps
    }

    public enum Kind {
        public static let end: UInt8 = 0
        public static let noOperation: UInt8 = 1
        public static let maximumSegmentSize: UInt8 = 2
        public static let windowScale: UInt8 = 3
        public static let sackPermitted: UInt8 = 4
        public static let sack: UInt8 = 5
        public static let timestamps: UInt8 = 8
    }

    public static func == (l: TCPOptions, r: TCPOptions) -> Bool {
        l.maximumSegmentSize == r.maximumSegmentSize && l.windowScale == r.windowScale
            && l.sackPermitted == r.sackPermitted && l.sackBlocks == r.sackBlocks
            && l.timestamps?.value == r.timestamps?.value && l.timestamps?.echoReply == r.timestamps?.echoReply
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> TCPOptions {
        var options = TCPOptions()
        var index = 0
        while index < bytes.count {
            let kind = bytes[index]
            if kind == Kind.end { break }
            if kind == Kind.noOperation { index += 1; continue }
            guard index + 1 < bytes.count else {
                throw WireError.malformed(layer: "TCP", reason: "option \(kind) has no length byte")
            }
            let length = Int(bytes[index + 1])
            guard length >= 2, index + length <= bytes.count else {
                throw WireError.malformed(layer: "TCP", reason: "option \(kind) length \(length) does not fit")
            }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(index + 2)..<(index + length)])
            switch kind {
            case Kind.maximumSegmentSize:
                guard length == 4 else { throw WireError.malformed(layer: "TCP", reason: "MSS option length \(length)") }
                options.maximumSegmentSize = body.u16(0)
            case Kind.windowScale:
                guard length == 3 else { throw WireError.malformed(layer: "TCP", reason: "window scale option length \(length)") }
                options.windowScale = body[0]
            case Kind.sackPermitted:
                guard length == 2 else { throw WireError.malformed(layer: "TCP", reason: "SACK-permitted option length \(length)") }
                options.sackPermitted = true
            case Kind.sack:
                guard (length - 2) % 8 == 0, length >= 10, length <= 2 + 8 * SACKBlocks.capacity else {
                    throw WireError.malformed(layer: "TCP", reason: "SACK option length \(length)")
                }
                var blocks = SACKBlocks()
                var offset = 0
                while offset < body.count {
                    blocks.append(SACKBlock(left: body.u32(offset), right: body.u32(offset + 4)))
                    offset += 8
                }
                options.sackBlocks = blocks
            case Kind.timestamps:
                guard length == 10 else { throw WireError.malformed(layer: "TCP", reason: "timestamps option length \(length)") }
                options.timestamps = (body.u32(0), body.u32(4))
            default:
                break
            }
            index += length
        }
        return options
    }

    /// Bytes of the options other than SACK, unpadded.
    private var lengthWithoutSACK: Int {
        var length = 0
        if maximumSegmentSize != nil { length += 4 }
        if windowScale != nil { length += 3 }
        if sackPermitted { length += 2 }
        if timestamps != nil { length += 10 }
        return length
    }

    /// The SACK blocks that fit beside the other options in TCP's 40 option bytes: the first
    /// ones, which RFC 2018 §4 makes the most recent (four alone, three with timestamps).
    private var sackBlocksToSend: SACKBlocks {
        sackBlocks.prefix(max(0, (40 - lengthWithoutSACK - 2) / 8))
    }

    /// Bytes the options take on the wire, padded to a multiple of four; never more than 40.
    public var encodedLength: Int {
        let blocks = sackBlocksToSend.count
        let length = lengthWithoutSACK + (blocks > 0 ? 2 + 8 * blocks : 0)
        return (length + 3) & ~3
    }

    /// Writes the options (SACK blocks as far as they fit), then NOP padding up to
    /// `encodedLength`. Returns that length.
    @discardableResult
    public func emit(into bytes: UnsafeMutableRawBufferPointer) -> Int {
        var index = 0
        if let mss = maximumSegmentSize {
            bytes[index] = Kind.maximumSegmentSize; bytes[index + 1] = 4; bytes.put(mss, at: index + 2); index += 4
        }
        if let scale = windowScale {
            bytes[index] = Kind.windowScale; bytes[index + 1] = 3; bytes[index + 2] = scale; index += 3
        }
        if sackPermitted { bytes[index] = Kind.sackPermitted; bytes[index + 1] = 2; index += 2 }
        if let ts = timestamps {
            bytes[index] = Kind.timestamps; bytes[index + 1] = 10
            bytes.put(ts.value, at: index + 2); bytes.put(ts.echoReply, at: index + 6); index += 10
        }
        let blocks = sackBlocksToSend
        if !blocks.isEmpty {
            bytes[index] = Kind.sack; bytes[index + 1] = UInt8(2 + 8 * blocks.count); index += 2
            for block in blocks {
                bytes.put(block.left, at: index); bytes.put(block.right, at: index + 4); index += 8
            }
        }
        let padded = encodedLength
        while index < padded { bytes[index] = Kind.noOperation; index += 1 }
        return padded
    }
}
