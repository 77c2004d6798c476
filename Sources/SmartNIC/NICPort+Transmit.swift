import Wire

/// Transmit: the host DMAs a frame's headers to the card; the data part is gathered by the card,
/// from its own memory when the payload is cached there (no bus transfer), or DMAed from host
/// memory (the conventional path). The datagram leaves as parts, scatter/gather, so a cached
/// payload is never copied on its way to the wire.
extension NICPort {
    /// Collects a frame's data parts, in order, while the port transmits it. The frame is
    /// assembled in the transmit ring, after the frames already staged there.
    public struct FrameAssembly {
        unowned let port: NICPort
        unowned let ring: TransmitRing
        /// The ring's index of the frame's first part.
        let firstPart: Int
        var partCount: Int
        /// Next free byte of the ring's arena, for data parts DMAed from host memory.
        var cursor: Int
        var length = 0

        /// Adds the next run of the frame's data. On the card it is referenced where it lies
        /// (and held until the frame has left); in host memory it is DMAed into the ring.
        public mutating func append(_ payload: Payload) {
            guard payload.count > 0 else { return }
            length += payload.count
            if payload.isOnCard && payload.driver === port.driver {
                if port.batching {
                    payload.retain()
                    ring.hold(payload.slice)
                }
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
            precondition(cursor + bytes.count <= ring.arena.count, "frame longer than the transmit ring's room")
            let destination = ring.arena.baseAddress!.advanced(by: cursor)
            destination.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            port.driver.counters.hostToCardBytes += bytes.count
            cursor += bytes.count
            add(UnsafeRawBufferPointer(start: destination, count: bytes.count))
        }

        mutating func add(_ part: UnsafeRawBufferPointer) {
            let lastIndex = firstPart + partCount - 1
            let last = ring.parts[lastIndex]
            if last.baseAddress! + last.count == part.baseAddress! {
                ring.parts[lastIndex] = UnsafeRawBufferPointer(start: last.baseAddress, count: last.count + part.count)
            } else {
                precondition(partCount < NICPort.maximumParts, "too many parts in one frame")
                ring.parts[firstPart + partCount] = part
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
        if !ring.hasRoom { flush() }
        guard ring.hasRoom else {
            // Stopped, and still full after trying again: the frame cannot be staged. The stack
            // holds data back while `makeTransmitRoom()` fails, so only a control frame gets here.
            counters.droppedRingFull += 1
            return
        }
        let headroom = encapsulation.headerLength
        let headerEnd = headroom + headerLength
        let frameStart = ring.arenaUsed
        let buffer = ring.nextBytes
        headers(UnsafeMutableRawBufferPointer(rebasing: buffer[headroom..<headerEnd]))
        driver.counters.hostToCardBytes += headerLength
        if encapsulation == .vxlan {
            VXLANRepr(vni: linkID).emit(into: buffer)
        }
        let firstPart = ring.partCount
        let firstHeld = ring.heldCount
        ring.parts[firstPart] = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[..<headerEnd])
        var assembly = FrameAssembly(port: self, ring: ring, firstPart: firstPart, partCount: 1, cursor: frameStart + headerEnd)
        data(&assembly)
        var length = headerLength + assembly.length
        precondition(length <= Self.maximumFrameLength, "frame longer than the port's buffer")
        // Like a real MAC, the port pads runt frames (an ARP is 42 bytes) to Ethernet's minimum.
        if length < Self.minimumFrameLength {
            ring.parts[firstPart + assembly.partCount] = UnsafeRawBufferPointer(rebasing: Self.padding[..<(Self.minimumFrameLength - length)])
            assembly.partCount += 1
            length = Self.minimumFrameLength
        }
        let datagram = UnsafeBufferPointer(rebasing: ring.parts[firstPart..<(firstPart + assembly.partCount)])
        // The first part is the ring's: headers, and data DMAed from host memory right after them.
        let headerPart = UnsafeMutableRawBufferPointer(rebasing: buffer[headroom..<datagram[0].count])
        if checksumOffload && !checksumsFinal && ChecksumOffload.fill(headers: headerPart, data: UnsafeBufferPointer(rebasing: datagram[1...])) {
            counters.checksumsComputed += 1
        }
        counters.transmittedFrames += 1
        counters.transmittedFrameBytes += length
        if let capture {
            capture.write(parts: datagram, skippingFirst: headroom, wallClockNanoseconds: captureClock())
        }
        guard sendOut(datagram, headroom: headroom) else {
            // Dropped, or copied into a delay line: nothing of it stays in the ring.
            ring.release(heldFrom: firstHeld, into: driver.card)
            return
        }
        ring.commit(arenaBytes: assembly.cursor - frameStart, parts: assembly.partCount, length: headroom + length)
        if !batching { flush() }
    }

    /// Sends every staged frame: with `sendBatch` in as few system calls as it can, otherwise
    /// one `send` each. A frame the underlay refuses counts as `droppedOnSend`; frames a full
    /// socket buffer would not take stay in the ring, in order, and the port's queue stops
    /// until a later flush sends them. Once the ring is empty, the card memory its frames held
    /// is released.
    public func flush() {
        guard ring.frameCount > 0 else {
            ring.reset(releasingInto: nil)
            resumeIfStopped()
            return
        }
        let staged = ring.frameCount
        if let sendBatch {
            let result = sendBatch(ring)
            counters.transmitBatches += 1
            if result.queueFull && result.sent < staged {
                if !isTransmitStopped { counters.transmitStops += 1 }
                isTransmitStopped = true
                ring.dropFirst(result.sent)
                return
            }
            counters.droppedOnSend += staged - result.sent
        } else {
            for index in 0..<staged where !send(ring.frame(index)) { counters.droppedOnSend += 1 }
        }
        ring.reset(releasingInto: driver.card)
        resumeIfStopped()
    }

    private func resumeIfStopped() {
        guard isTransmitStopped else { return }
        isTransmitStopped = false
        onTransmitResumed?()
    }
}
