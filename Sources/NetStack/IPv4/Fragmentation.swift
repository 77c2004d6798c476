import Wire

/// Splitting an IPv4 datagram for a link whose MTU it exceeds (RFC 791 §3.2, RFC 1812 §5.2.6):
/// every fragment but the last carries a multiple of 8 payload bytes; the first keeps all the
/// header's options, later ones only the options whose copied flag is set.
enum Fragmentation {
    /// One fragment: where its part of the payload starts (in the payload being split) and how
    /// long it is, and whether it is the first.
    struct Piece: Equatable {
        var offset: Int
        var length: Int
        var isFirst: Bool { offset == 0 }
    }

    /// The pieces a payload of `payloadLength` bytes is cut into so that each fragment fits
    /// `mtu`, under a header of `firstHeaderLength` bytes on the first and `laterHeaderLength`
    /// on the others.
    static func plan(payloadLength: Int, firstHeaderLength: Int, laterHeaderLength: Int, mtu: Int) -> [Piece] {
        var pieces: [Piece] = []
        var offset = 0
        while offset < payloadLength || pieces.isEmpty {
            let header = offset == 0 ? firstHeaderLength : laterHeaderLength
            let room = (mtu - header) & ~7
            precondition(room >= 8, "an MTU of \(mtu) leaves no room for a fragment")
            let length = min(room, payloadLength - offset)
            pieces.append(Piece(offset: offset, length: length))
            offset += length
        }
        return pieces
    }

    /// The options of `header` (its IP header, options included) that every fragment carries:
    /// those with the copied flag (the option type's top bit), padded to a multiple of 4.
    static func copiedOptions(of header: UnsafeRawBufferPointer) -> [UInt8] {
        var copied: [UInt8] = []
        var index = IPv4PacketView.minimumHeaderLength
        while index < header.count {
            let type = header[index]
            if type == 0 { break }                 // end of option list
            if type == 1 { index += 1; continue }  // no-operation
            guard index + 1 < header.count else { break }
            let length = Int(header[index + 1])
            guard length >= 2, index + length <= header.count else { break }
            if type & 0x80 != 0 { copied += header[index..<(index + length)] }
            index += length
        }
        while copied.count % 4 != 0 { copied.append(0) }
        return copied
    }

    /// Writes a fragment's IP header into `out`: `template`'s first 20 bytes with `options`
    /// after them, then its Total Length, MF and offset (`baseOffset` is where the split
    /// payload starts in the original datagram, for a fragment split again), DF clear, TTL
    /// `timeToLive`, and its checksum. Returns the header's length.
    static func writeHeader(into out: UnsafeMutableRawBufferPointer, template: UnsafeRawBufferPointer, options: UnsafeRawBufferPointer,
                            payloadLength: Int, offset: Int, moreFragments: Bool, timeToLive: UInt8) -> Int {
        let headerLength = IPv4PacketView.minimumHeaderLength + options.count
        UnsafeMutableRawBufferPointer(rebasing: out[..<20]).copyMemory(from: UnsafeRawBufferPointer(rebasing: template[..<20]))
        if !options.isEmpty { UnsafeMutableRawBufferPointer(rebasing: out[20..<headerLength]).copyMemory(from: options) }
        out[0] = 0x40 | UInt8(headerLength / 4)
        out.put(UInt16(headerLength + payloadLength), at: 2)
        out.put((moreFragments ? 0x2000 : 0) | UInt16(offset / 8) & 0x1fff, at: 6)
        out[8] = timeToLive
        out.put(UInt16(0), at: 10)
        out.put(InternetChecksum.of(UnsafeRawBufferPointer(rebasing: out[..<headerLength])), at: 10)
        return headerLength
    }
}
