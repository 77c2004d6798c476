import SmartNIC
import Wire

extension TCPConnection {
    /// The sequence number of the first byte in the send buffer (our SYN comes before it).
    var dataStart: SequenceNumber { sndUna == iss ? iss + 1 : sndUna }
    /// Queued bytes not yet sent (or to be sent again after a timeout moved sndNxt back).
    var unsentBytes: Int { max(0, (dataStart + sendBuffer.count) - sndNxt) }

    /// Sends whatever the windows, Nagle and the ACK rules allow now.
    func transmitWhatIsAllowed() {
        switch state {
        case .closed, .listen, .synSent:
            return
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            retryAfterBlackHoleIfDue()
            if inRecovery && sackEnabled { sendDuringSACKRecovery() } else { sendNewData() }
        default:
            break
        }
        if ackNow { sendACK() }
    }

    /// RFC 5681 §4.1: a sender idle for longer than one retransmission timeout, nothing in
    /// flight, starts again from the restart window RW = min(IW, cwnd): its cwnd was measured
    /// by an ACK clock that has stopped, and the path may carry other traffic by now. RFC 7661
    /// argues for keeping cwnd through such pauses under conditions it tracks (a validated
    /// window, pipe ACK samples); we do not track them, so we restart, as Linux does by default
    /// (`tcp_slow_start_after_idle`). Idle is measured as Linux measures it: from the last data
    /// sent (`lsndtime`), checked when new data is about to leave. Linux halves cwnd once per
    /// idle RTO down to RW (RFC 2861's decay); RFC 5681's single step to RW is what we do.
    private func restartAfterIdle() {
        guard sndMax == sndUna, unsentBytes > 0,
              now.since(lastDataSentAt) > rtt.retransmissionTimeout else { return }
        congestion.onIdleRestart(now: now)
        counters.idleRestarts += 1
    }

    /// Whether the port can stage one more frame. A full socket buffer stopped the port's
    /// queue and its ring is full: data waits here, in the send buffer, until the port drains
    /// and the stack calls `transmitWhatIsAllowed()` again. Nothing is lost and nothing counts
    /// as congestion, as with Linux's TCP Small Queues over a stopped device queue.
    private func deviceHasRoom() -> Bool {
        if transmitRoom() { return true }
        if !heldBackByDevice { counters.deviceHoldBacks += 1 }
        heldBackByDevice = true
        return false
    }

    private func sendNewData() {
        restartAfterIdle()
        while deviceHasRoom() {
            if sackEnabled, let end = scoreboard.sackedEnd(covering: sndNxt), sndNxt < sndMax {
                // After a timeout, never resend what the peer already holds.
                sndNxt = SequenceNumber.min(end, sndMax)
                continue
            }
            let inFlight = sndNxt - sndUna
            let window = min(congestion.congestionWindow + inflation, sndWnd)
            let usable = max(0, window - inFlight)
            let unsent = unsentBytes
            var length = min(sendMSS, unsent, usable)
            if sackEnabled, sndNxt < sndMax, let next = scoreboard.nextSACKedStart(after: sndNxt), next - sndNxt < length {
                length = next - sndNxt
            }
            let finHere = finQueued && sndNxt + length == finSequence
            if length == 0 && !finHere {
                if unsent > 0 && sndWnd == 0 && sndNxt == sndUna && persistDeadline == nil { armPersist() }
                return
            }
            let resending = sndNxt < sndMax
            if length > 0 && length < sendMSS && !finHere && !resending {
                // Nagle (RFC 896) and sender-side SWS avoidance (RFC 9293 §3.8.6.2.1).
                let idle = sndNxt == sndUna
                let allQueued = length == unsent
                let halfWindow = maxSndWnd > 0 && length >= maxSndWnd / 2
                if !((allQueued && (idle || configuration.noDelay)) || halfWindow) { return }
            }
            sendData(at: sndNxt, length: length, fin: finHere, retransmission: resending)
            sndNxt = sndNxt + length + (finHere ? 1 : 0)
            sndMax = SequenceNumber.max(sndMax, sndNxt)
            if finHere { return }
        }
    }

    /// RFC 6675 §5 step (C): while cwnd − pipe ≥ 1 SMSS, send what NextSeg() picks.
    private func sendDuringSACKRecovery() {
        while congestion.congestionWindow - pipe() >= sendMSS && deviceHasRoom() {
            if let lost = nextUnSACKed(requireLost: true) {
                retransmit(from: lost)
                continue
            }
            let room = sndWnd - (sndMax - sndUna)
            let unsent = unsentBytes
            if unsent > 0 && room > 0 {
                let length = min(sendMSS, unsent, room)
                let finHere = finQueued && sndNxt + length == finSequence
                sendData(at: sndNxt, length: length, fin: finHere, retransmission: false)
                sndNxt = sndNxt + length + (finHere ? 1 : 0)
                sndMax = SequenceNumber.max(sndMax, sndNxt)
                continue
            }
            if finQueued && sndNxt == finSequence {
                sendData(at: sndNxt, length: 0, fin: true, retransmission: false)
                sndNxt = sndNxt + 1
                sndMax = SequenceNumber.max(sndMax, sndNxt)
                continue
            }
            if let rescue = nextUnSACKed(requireLost: false) {
                retransmit(from: rescue)
                continue
            }
            return
        }
    }

    /// RFC 6675 SetPipe(): unSACKed bytes not yet deemed lost, plus those retransmitted.
    func pipe() -> Int {
        var total = 0
        var s = sndUna
        while s < sndMax {
            if let end = scoreboard.sackedEnd(covering: s) {
                s = end
                continue
            }
            let next = SequenceNumber.min(SequenceNumber.min(s + sendMSS, scoreboard.nextSACKedStart(after: s) ?? sndMax), sndMax)
            let length = next - s
            if !scoreboard.isLost(s, mss: sendMSS) { total += length }
            if s < highRetransmitted { total += length }
            s = next
        }
        return total
    }

    /// RFC 6675 NextSeg() rules (1) and (3): the first unSACKed byte above HighRxt and below
    /// the highest SACKed byte, lost (rule 1) or not (rule 3).
    private func nextUnSACKed(requireLost: Bool) -> SequenceNumber? {
        guard let highest = scoreboard.highestSACKed else { return nil }
        var s = SequenceNumber.max(sndUna, highRetransmitted)
        while s < highest {
            if let end = scoreboard.sackedEnd(covering: s) {
                s = end
                continue
            }
            if !requireLost || scoreboard.isLost(s, mss: sendMSS) { return s }
            s = SequenceNumber.min(s + sendMSS, scoreboard.nextSACKedStart(after: s) ?? highest)
        }
        return nil
    }

    /// Sends again one segment starting at `sequence` (stopping before SACKed data).
    func retransmit(from sequence: SequenceNumber, maximumLength: Int? = nil) {
        let dataEnd = dataStart + sendBuffer.count
        var length = max(0, min(sendMSS, dataEnd - sequence))
        if let maximumLength { length = min(length, maximumLength) }
        if let next = scoreboard.nextSACKedStart(after: sequence), next - sequence < length { length = next - sequence }
        let fin = finQueued && sndMax > finSequence && sequence + length == finSequence
        guard length > 0 || fin else {
            // Nothing of ours lies there (a SACK block claimed sequence space past our data):
            // step HighRxt over it so recovery's NextSeg() moves on instead of picking it again.
            highRetransmitted = SequenceNumber.max(highRetransmitted, sequence + 1)
            return
        }
        sendData(at: sequence, length: length, fin: fin, retransmission: true)
        highRetransmitted = SequenceNumber.max(highRetransmitted, sequence + length + (fin ? 1 : 0))
    }

    /// Emits a data (and/or FIN) segment from the send buffer.
    func sendData(at sequence: SequenceNumber, length: Int, fin: Bool, retransmission: Bool) {
        var flags: TCPFlags = [.ack]
        if fin { flags.insert(.fin) }
        if length > 0 && sequence + length == dataStart + sendBuffer.count { flags.insert(.psh) }
        checkInvariants(sequence: sequence, length: length)
        if retransmission {
            counters.bytesRetransmitted += length
            // Karn: a retransmitted segment can no longer be timed.
            if let timed = timedSegment, timed.sequence >= sequence { timedSegment = nil }
        } else {
            counters.bytesSent += length
            if !timestampsEnabled && timedSegment == nil && length > 0 { timedSegment = (sequence, now) }
        }
        emit(sequence: sequence, flags: flags, payloadLength: length, payloadOffset: sequence - dataStart)
        lastDataSentAt = now
        armRetransmit()
    }

    /// Counts what must never happen, for the simulation tests to assert zero over thousands of
    /// seeds: data past the peer's window (a one-byte probe excepted), and bytes the peer has
    /// SACKed being sent again.
    private func checkInvariants(sequence: SequenceNumber, length: Int) {
        guard length > 0 else { return }
        let isProbe = length == 1 && sndWnd == 0
        if !isProbe && (sequence + length) - sndUna > max(sndWnd, maxSndWnd) {
            counters.invariantViolations += 1
            counters.sentPastWindow += 1
        }
        let end = sequence + length
        if scoreboard.ranges.contains(where: { $0.start < end && sequence < $0.end }) {
            counters.invariantViolations += 1
            counters.sentSACKedBytes += 1
        }
    }

    /// A pure ACK carries the highest sequence number sent, not sndNxt: after a timeout sndNxt
    /// steps back, and an ACK numbered below the peer's rcvNxt would be unacceptable to it,
    /// dropped with its acknowledgment, and answered with another ACK (a livelock).
    func sendACK() {
        emit(sequence: sndMax, flags: [.ack], payloadLength: 0)
    }

    /// Builds and hands out one segment with our current ACK, window and options.
    func emit(sequence: SequenceNumber, flags: TCPFlags, payloadLength: Int, payloadOffset: Int = 0) {
        var options = TCPOptions()
        if timestampsEnabled && !flags.contains(.rst) { options.timestamps = (timestampNow, tsRecent) }
        if sackEnabled && flags.contains(.ack) && !reassembly.isEmpty {
            options.sackBlocks = reassembly.sackBlocks(limit: timestampsEnabled ? 3 : 4)
        }
        let window = flags.contains(.rst) ? 0 : advertiseWindow()
        let acknowledging = flags.contains(.ack)
        let header = TCPHeaderRepr(sourcePort: localPort, destinationPort: remotePort, sequenceNumber: sequence.rawValue,
                                   acknowledgmentNumber: acknowledging ? rcvNxt.rawValue : 0, flags: flags,
                                   window: window, options: options)
        if acknowledging {
            lastAckSent = rcvNxt
            ackNow = false
            delayedAckDeadline = nil
            bytesSinceAck = 0
        }
        counters.segmentsSent += 1
        output(header, payloadLength) { body in
            sendBuffer.forEach(from: payloadOffset, length: payloadLength, body)
        }
    }

    /// Bytes we could take now: buffer space not promised to data already held out of order,
    /// and no more full-size segments than the node's memory allows this connection.
    func advertisableWindow() -> Int {
        let free = max(0, receiveBuffer.freeSpace - reassembly.byteCount)
        guard let memory else { return free }
        let segments = memory.allowance(holding: receiveBuffer.footprint + reassembly.footprint) / segmentFootprint
        return min(free, segments * localMSS)
    }

    /// The right edge a segment sent now would advertise if it offered all the free space.
    func rightEdgeIfAdvertisedNow() -> SequenceNumber {
        let window = min(advertisableWindow(), 65_535 << Int(receiveShift))
        return rcvNxt + ((window >> Int(receiveShift)) << Int(receiveShift))
    }

    /// The window field to send. It never shrinks the right edge already advertised, and it
    /// moves the edge only in steps of at least min(buffer/2, MSS) (receiver SWS avoidance).
    func advertiseWindow() -> UInt16 {
        let free = advertisableWindow()
        let promised = max(0, rcvAdvertisedEdge - rcvNxt)
        var window = free
        if free - promised < min(receiveBuffer.capacity / 2, localMSS) { window = promised }
        window = min(window, 65_535 << Int(receiveShift))
        let field = window >> Int(receiveShift)
        let edge = rcvNxt + (field << Int(receiveShift))
        if edge > rcvAdvertisedEdge { rcvAdvertisedEdge = edge }
        return UInt16(field)
    }
}
