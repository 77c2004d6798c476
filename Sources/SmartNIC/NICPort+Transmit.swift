import Wire

/// Transmit: the host DMAs a frame's headers to the card; the data part is gathered by the card,
/// from its own memory when the payload is cached there (no bus transfer), or DMAed from host
/// memory (the conventional path). The datagram leaves as parts, scatter/gather, so a cached
/// payload is never copied on its way to the wire.
extension NICPort {
    /// Collects a frame's data parts, in order, while the port transmits it.
    public struct FrameAssembly {
        unowned let port: NICPort
        var partCount: Int
        /// Next free byte of the transmit buffer, for data parts DMAed from host memory.
        var cursor: Int
        var length = 0

        /// Adds the next run of the frame's data. On the card it is referenced where it lies;
        /// in host memory it is DMAed into the card's transmit buffer.
        public mutating func append(_ payload: Payload) {
            guard payload.count > 0 else { return }
            length += payload.count
            if payload.isOnCard && payload.driver === port.driver {
                add(UnsafeRawBufferPointer(payload.region))
                return
            }
            if payload.isOnCard {
                // Cached on another card (a route that moved to another port): it crosses the
                // bus twice, out of that card and into this one, both counted.
                payload.driver.counters.cardToHostBytes += payload.count
            }
            appendHostBytes(UnsafeRawBufferPointer(payload.region))
        }

        /// Adds bytes that lie in host memory (DMAed to the card, counted).
        public mutating func appendHostBytes(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            precondition(cursor + bytes.count <= port.transmitBuffer.count, "frame longer than the transmit buffer")
            let destination = port.transmitBuffer.baseAddress!.advanced(by: cursor)
            destination.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            port.driver.counters.hostToCardBytes += bytes.count
            cursor += bytes.count
            add(UnsafeRawBufferPointer(start: destination, count: bytes.count))
        }

        private mutating func add(_ part: UnsafeRawBufferPointer) {
            let last = port.parts[partCount - 1]
            if last.baseAddress! + last.count == part.baseAddress! {
                port.parts[partCount - 1] = UnsafeRawBufferPointer(start: last.baseAddress, count: last.count + part.count)
            } else {
                precondition(partCount < NICPort.maximumParts, "too many parts in one frame")
                port.parts[partCount] = part
                partCount += 1
            }
        }
    }

    /// Transmits a frame the host writes whole (ARP, ICMP, a frame that waited for ARP): all of
    /// it is DMAed to the card. `checksumsFinal` says the frame's checksums must be left as they
    /// are: a frame a router or a switch passes on keeps the checksum its sender computed, so a
    /// frame damaged on the way stays damaged and its receiver drops it (Linux's CHECKSUM_NONE
    /// against CHECKSUM_PARTIAL).
    public func transmit(length: Int, checksumsFinal: Bool = false, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        transmit(headerLength: length, checksumsFinal: checksumsFinal, headers: fill) { _ in }
    }

    /// Transmits a frame that already exists as bytes (a frame that waited for ARP).
    public func transmit(frame: [UInt8], checksumsFinal: Bool = false) {
        transmit(length: frame.count, checksumsFinal: checksumsFinal) { buffer in
            frame.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
    }

    /// Transmits a frame whose first `headerLength` bytes `headers` writes in place; `data` then
    /// appends the data part, run by run.
    public func transmit(headerLength: Int, checksumsFinal: Bool = false, headers: (UnsafeMutableRawBufferPointer) -> Void,
                         data: (inout FrameAssembly) -> Void) {
        precondition(headerLength <= Self.maximumFrameLength, "frame longer than the port's buffer")
        let headroom = encapsulation.headerLength
        let headerEnd = headroom + headerLength
        headers(UnsafeMutableRawBufferPointer(rebasing: transmitBuffer[headroom..<headerEnd]))
        driver.counters.hostToCardBytes += headerLength
        if encapsulation == .vxlan {
            VXLANRepr(vni: linkID).emit(into: transmitBuffer)
        }
        parts[0] = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(transmitBuffer)[..<headerEnd])
        var assembly = FrameAssembly(port: self, partCount: 1, cursor: headerEnd)
        data(&assembly)
        var length = headerLength + assembly.length
        precondition(length <= Self.maximumFrameLength, "frame longer than the port's buffer")
        // Like a real MAC, the port pads runt frames (an ARP is 42 bytes) to Ethernet's minimum.
        if length < Self.minimumFrameLength {
            parts[assembly.partCount] = UnsafeRawBufferPointer(rebasing: Self.padding[..<(Self.minimumFrameLength - length)])
            assembly.partCount += 1
            length = Self.minimumFrameLength
        }
        let datagram = UnsafeBufferPointer(rebasing: parts[..<assembly.partCount])
        // The first part is the transmit buffer's: headers, and data DMAed from host memory
        // right after them.
        let headerPart = UnsafeMutableRawBufferPointer(rebasing: transmitBuffer[headroom..<parts[0].count])
        if checksumOffload && !checksumsFinal && ChecksumOffload.fill(headers: headerPart, data: UnsafeBufferPointer(rebasing: datagram[1...])) {
            counters.checksumsComputed += 1
        }
        counters.transmittedFrames += 1
        counters.transmittedFrameBytes += length
        if let capture {
            capture.write(parts: datagram, skippingFirst: headroom, wallClockNanoseconds: captureClock())
        }
        sendOut(datagram, headroom: headroom)
    }
}
