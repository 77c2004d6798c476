import SmartNIC
import Wire

extension TCPConnection {
    /// Processes one arriving segment (RFC 9293 §3.10.7, with RFC 5961 and RFC 7323 checks).
    /// `payload` is the segment's data where it landed (nil for none); the connection retains
    /// what it keeps.
    public func handle(_ segment: TCPHeaderRepr, payload: Payload?, now: Instant) {
        self.now = max(self.now, now)
        counters.segmentsReceived += 1
        switch state {
        case .closed, .listen:
            return
        case .synSent:
            handleInSynSent(segment, payload: payload)
        default:
            handleSynchronized(segment, payload: payload)
        }
        // Charged before the ACK goes, so that the window it carries counts what was just queued.
        settleMemory()
        transmitWhatIsAllowed()
        // Told only now, with the window, the congestion state and SND.UNA all taken from this
        // ACK: a write from inside the handler then sends by what the peer said last, not by
        // the window the ACK is about to replace.
        if writablePending {
            writablePending = false
            if state.canSend && !finQueued && sendBuffer.freeSpace > 0 { onEvent?(.writable) }
        }
    }

    private func handleInSynSent(_ segment: TCPHeaderRepr, payload: Payload?) {
        let flags = segment.flags
        let ack = SequenceNumber(segment.acknowledgmentNumber)
        if flags.contains(.ack) && (ack <= iss || ack > sndMax) {
            if !flags.contains(.rst) { sendReset(sequence: ack) }
            return
        }
        if flags.contains(.rst) {
            // Only a RST that acknowledges our SYN is believed (RFC 9293 §3.10.7.3, RFC 5961 §3).
            if flags.contains(.ack) { terminate(.refused) }
            return
        }
        guard flags.contains(.syn) else { return }
        irs = SequenceNumber(segment.sequenceNumber)
        rcvNxt = irs + 1
        // Our SYN offered this much (unscaled); from here on the edge only moves right.
        rcvAdvertisedEdge = rcvNxt + min(receiveBuffer.freeSpace, 65_535)
        negotiate(segment.options, synAck: true)
        sndWl1 = irs
        if flags.contains(.ack) {
            acknowledge(upTo: ack, segment: segment)
            sndWnd = Int(segment.window) << Int(sendShift)
            maxSndWnd = max(maxSndWnd, sndWnd)
            sndWl2 = ack
            state = .established
            keepAliveTouched()
            ackNow = true
            onEvent?(.connected)
            if payload.byteCount > 0 || flags.contains(.fin) { receiveText(segment, payload: payload) }
        } else {
            // Simultaneous open: both SYNs crossed (RFC 9293 §3.5, figure 7).
            sndWnd = Int(segment.window)
            state = .synReceived
            sendSYN(acknowledging: true)
        }
    }

    private func handleSynchronized(_ segment: TCPHeaderRepr, payload: Payload?) {
        let flags = segment.flags
        var seq = SequenceNumber(segment.sequenceNumber)
        var data = payload
        var fin = flags.contains(.fin)
        let segmentLength = data.byteCount + (flags.contains(.syn) ? 1 : 0) + (fin ? 1 : 0)

        // A retransmitted SYN in SYN-RECEIVED means our SYN-ACK was lost: send it again.
        if state == .synReceived && flags.contains(.syn) && !flags.contains(.ack) && seq == irs {
            sendSYN(acknowledging: true)
            return
        }

        // PAWS (RFC 7323 §5.3): an old timestamp marks an old duplicate.
        if timestampsEnabled, !flags.contains(.rst), let ts = segment.options.timestamps,
           Int32(bitPattern: ts.value &- tsRecent) < 0 {
            counters.pawsRejected += 1
            answerInvalid(segment, payloadLength: data.byteCount)
            return
        }

        // Step 1: sequence number acceptability (RFC 9293 §3.10.7.4, table of four cases).
        let window = max(0, rcvAdvertisedEdge - rcvNxt)
        if !isAcceptable(seq: seq, length: segmentLength, window: window) {
            counters.outOfWindowSegments += 1
            if !flags.contains(.rst) { answerInvalid(segment, payloadLength: data.byteCount) }
            // In TIME-WAIT the peer's retransmitted FIN lies before RCV.NXT: acknowledge it and
            // restart the 2 MSL timeout (RFC 9293 §3.10.7.4), or its next retry meets a RST.
            if state == .timeWait && fin && !flags.contains(.rst) && seq + data.byteCount + 1 == rcvNxt {
                timeWaitDeadline = now + configuration.timeWaitDuration
            }
            return
        }

        // RFC 7323 §4.3 (3): remember the timestamp to echo, from segments that are not
        // ahead of what we acknowledged, so TSecr follows the last in-order segment and an RTT
        // sample taken from a retransmission's echo measures that retransmission.
        if timestampsEnabled, let ts = segment.options.timestamps,
           Int32(bitPattern: ts.value &- tsRecent) >= 0, seq <= lastAckSent {
            tsRecent = ts.value
        }

        // Step 2: RST (RFC 5961 §3.2): exact match resets, elsewhere in the window earns a challenge ACK.
        if flags.contains(.rst) {
            guard seq == rcvNxt else {
                sendChallengeACK()
                return
            }
            switch state {
            case .synReceived where listener != nil:
                terminate(nil) // back to LISTEN: the listener simply forgets this one
            case .synReceived:
                terminate(.refused)
            case .timeWait:
                // RFC 1337: a RST must not cut TIME-WAIT short ("TIME-WAIT assassination").
                return
            case .closing, .lastAck:
                terminate(nil)
            default:
                terminate(.reset)
            }
            return
        }

        // Step 4: a SYN in a synchronized state gets a challenge ACK (RFC 5961 §4.2).
        if flags.contains(.syn) {
            sendChallengeACK()
            return
        }

        // Step 5: ACK.
        guard flags.contains(.ack) else { return }
        let ack = SequenceNumber(segment.acknowledgmentNumber)
        if state == .synReceived {
            guard ack > sndUna && ack <= sndMax else {
                sendReset(sequence: ack)
                return
            }
            state = .established
            sndWnd = Int(segment.window) << Int(sendShift)
            maxSndWnd = max(maxSndWnd, sndWnd)
            sndWl1 = seq
            sndWl2 = ack
            keepAliveTouched()
            if let listener {
                listener.connectionEstablished(self)
            } else {
                onEvent?(.connected)
            }
        }
        // RFC 5961 §5.2: an ACK for data never sent, or too far back, is answered and dropped.
        if ack > sndMax || ack < sndUna - maxSndWnd {
            answerInvalid(segment, payloadLength: data.byteCount)
            return
        }
        processACK(segment, ack: ack, seq: seq, payloadLength: data.byteCount)
        if state == .closed { return }

        // In TIME-WAIT only a retransmitted FIN matters: ACK it and restart the 2 MSL wait.
        if state == .timeWait {
            if fin {
                ackNow = true
                timeWaitDeadline = now + configuration.timeWaitDuration
            }
            return
        }

        // Step 7: segment text; step 8: FIN. Trim what lies before rcvNxt or past the window.
        if seq < rcvNxt {
            let skip = min(rcvNxt - seq, data.byteCount)
            data = data?.dropFirst(skip)
            seq = seq + skip
        }
        let room = max(0, rcvAdvertisedEdge - seq)
        if data.byteCount > room {
            data = data?.prefix(room)
            fin = false
            // What lies beyond the window is not acceptable and is answered with an ACK
            // (RFC 9293 §3.10.7.4); at a zero window that ACK is the reply to a window probe.
            ackNow = true
        }
        if data.byteCount > 0 || fin {
            var trimmed = segment
            trimmed.sequenceNumber = seq.rawValue
            if !fin { trimmed.flags.remove(.fin) }
            receiveText(trimmed, payload: data)
        }
        keepAliveTouched()
    }

    /// RFC 9293 §3.10.7.4's four cases, with zero-length segments and FIN at a closed window
    /// allowed at exactly rcvNxt (what Linux accepts too).
    func isAcceptable(seq: SequenceNumber, length: Int, window: Int) -> Bool {
        if length == 0 {
            return window == 0 ? seq == rcvNxt : seq.isIn(rcvNxt, rcvNxt + window) || seq == rcvNxt
        }
        if window == 0 { return seq == rcvNxt }
        let last = seq + (length - 1)
        return seq.isIn(rcvNxt, rcvNxt + window) || last.isIn(rcvNxt, rcvNxt + window)
            || (seq < rcvNxt && last >= rcvNxt + window)
    }

    private func processACK(_ segment: TCPHeaderRepr, ack: SequenceNumber, seq: SequenceNumber, payloadLength: Int) {
        if sackEnabled && !segment.options.sackBlocks.isEmpty {
            scoreboard.update(blocks: segment.options.sackBlocks, sndUna: sndUna, sndMax: sndMax)
        }
        let window = Int(segment.window) << Int(sendShift)
        let flightBefore = sndMax - sndUna
        if ack > sndUna {
            let newlyAcked = ack - sndUna
            acknowledge(upTo: ack, segment: segment)
            scoreboard.advance(to: sndUna)
            if inRecovery {
                if ack >= recoveryPoint {
                    inRecovery = false
                    inflation = 0
                    congestion.onExitRecovery(bytesInFlight: sndMax - sndUna, now: now)
                } else if !sackEnabled {
                    // NewReno partial ACK (RFC 6582 §3.2 step 5): the next hole is lost too.
                    inflation = max(0, inflation - newlyAcked) + (newlyAcked >= sendMSS ? sendMSS : 0)
                    retransmit(from: sndUna)
                    armRetransmit(restart: true)
                }
            } else {
                // Whatever kept the flight a segment short of cwnd (nothing more to send, or the
                // peer's window), it was not cwnd: the ACK says nothing about a larger one.
                let cwndLimited = flightBefore + sendMSS >= congestion.congestionWindow
                congestion.onAcknowledged(newlyAcked: newlyAcked, bytesInFlight: flightBefore,
                                          isCwndLimited: cwndLimited, now: now, rtt: rtt.smoothedRTT)
            }
            duplicateAcks = 0
        } else if ack == sndUna && payloadLength == 0 && !segment.flags.contains(.fin)
                    && window == sndWnd && window > 0 && sndMax > sndUna {
            // A duplicate ACK in RFC 5681's strict sense. Not at a zero window: that reports no
            // loss, it answers a window probe, which the receiver must ACK without taking it.
            duplicateAcks += 1
            if inRecovery {
                if !sackEnabled { inflation += sendMSS }
            } else if duplicateAcks >= 3 || (sackEnabled && scoreboard.isLost(sndUna, mss: sendMSS)) {
                enterRecovery(ack: ack)
            }
        } else if sackEnabled && !inRecovery && ack == sndUna && sndMax > sndUna && scoreboard.isLost(sndUna, mss: sendMSS) {
            enterRecovery(ack: ack)
        }

        // Window update (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2 guard against old segments).
        if sndWl1 < seq || (sndWl1 == seq && sndWl2 <= ack) {
            let opened = sndWnd == 0 && window > 0
            sndWnd = window
            maxSndWnd = max(maxSndWnd, window)
            sndWl1 = seq
            sndWl2 = ack
            if opened {
                persistDeadline = nil
                persistBackoff = 0
                // What went out while the window was closed was a probe the peer did not take
                // (it would have ACKed it): send on from SND.UNA, not past a hole of our making.
                sndNxt = sndUna
                if sndMax > sndUna { armRetransmit(restart: true) }
            }
        }

        // Our FIN acknowledged?
        let finAcked = finQueued && sndUna == finSequence + 1
        switch state {
        case .finWait1 where finAcked:
            state = .finWait2
            if applicationClosed { finWait2Deadline = now + configuration.finWait2Timeout }
        case .closing where finAcked:
            enterTimeWait()
        case .lastAck where finAcked:
            terminate(nil)
        default:
            break
        }
    }

    private func enterRecovery(ack: SequenceNumber) {
        // RFC 6582 §3.2 step 1: not again for losses in the window already recovered.
        guard sackEnabled || ack - 1 >= recover || recover == iss else { return }
        // After a timeout the sender is already going back over the window (sndNxt < sndMax),
        // skipping what the peer SACKed; fast recovery on top would send from two places at once.
        guard sndNxt == sndMax else { return }
        inRecovery = true
        recoveryPoint = sndMax
        recover = sndMax
        counters.fastRetransmits += 1
        congestion.onEnterRecovery(bytesInFlight: sndMax - sndUna, now: now)
        highRetransmitted = sndUna
        inflation = sackEnabled ? 0 : 3 * sendMSS
        retransmit(from: sndUna)
        armRetransmit(restart: true)
    }

    /// Cumulative acknowledgment of everything before `ack`: frees the send buffer, samples
    /// the RTT, and manages the retransmission timer (RFC 6298 §5.2, §5.3).
    func acknowledge(upTo ack: SequenceNumber, segment: TCPHeaderRepr) {
        let oldUna = sndUna
        // Sequence numbers that are not buffer bytes: our SYN and our FIN.
        var dataAcked = ack - oldUna
        if oldUna == iss { dataAcked -= 1 }
        if finQueued && ack == finSequence + 1 { dataAcked -= 1 }
        dataAcked = max(0, min(dataAcked, sendBuffer.count))
        sendBuffer.removeFirst(dataAcked)
        sndUna = ack
        if sndNxt < sndUna { sndNxt = sndUna }
        retransmitCount = 0
        // Full-size segments are through again after a suspected black hole: it was an outage
        // (or the hole is gone), and the next suspicion starts from the shortest wait.
        if blackHole.interval != .zero && blackHole.retryAt == nil && dataAcked > 0 { blackHole.interval = .zero }
        // RTT: from the echoed timestamp (RFC 7323 §4.1), else from the timed segment (Karn).
        if timestampsEnabled, let ts = segment.options.timestamps, ts.echoReply != 0 {
            let elapsed = timestampNow &- ts.echoReply
            if elapsed < 60_000 { rtt.addSample(.milliseconds(Int64(max(1, elapsed)))) }
        } else if let timed = timedSegment, ack > timed.sequence {
            rtt.addSample(now.since(timed.sentAt))
            timedSegment = nil
        }
        if sndUna == sndMax {
            retransmitDeadline = nil
        } else {
            armRetransmit(restart: true)
        }
        if wantsWritable && sendBuffer.freeSpace > 0 && !finQueued {
            wantsWritable = false
            writablePending = true
        }
    }

    /// Accepts in-order data and FIN, queues out-of-order data, and decides when to ACK.
    func receiveText(_ segment: TCPHeaderRepr, payload: Payload?) {
        guard state.acceptsData || state == .synReceived else { return }
        // Out-of-order data counts against the budget with everything held; data that continues
        // the stream only with what waits to be read, so held out-of-order data can never stop
        // the segment that fills the hole before it (which would stall the connection).
        if let payload {
            let held = receiveBuffer.footprint + (SequenceNumber(segment.sequenceNumber) == rcvNxt ? 0 : reassembly.footprint)
            // The node's budget too: beyond it, only the connection's guaranteed share.
            let nodeAllows = memory.map { payload.footprint <= $0.allowance(holding: held) } ?? true
            if held + payload.footprint > receiveMemoryBudget || !nodeAllows {
                counters.droppedOverMemory += 1
                ackNow = true
                return
            }
        }
        let seq = SequenceNumber(segment.sequenceNumber)
        let fin = segment.flags.contains(.fin)
        if seq == rcvNxt {
            let filledHole = !reassembly.isEmpty
            // Never more than the receive buffer holds: the window was advertised from it.
            let stored = min(payload.byteCount, receiveBuffer.freeSpace)
            if let payload, stored > 0 { receiveBuffer.append(payload.prefix(stored)) }
            rcvNxt = rcvNxt + stored
            var finNow = fin && stored == payload.byteCount
            if filledHole {
                let (moved, queuedFin) = reassembly.takeContiguous(at: rcvNxt, limit: receiveBuffer.freeSpace, into: &receiveBuffer)
                rcvNxt = rcvNxt + moved
                finNow = finNow || queuedFin
                ackNow = true
            }
            if stored > 0 || filledHole { onEvent?(.readable) }
            bytesSinceAck += stored
            if finNow {
                receiveFIN()
            } else if bytesSinceAck >= 2 * sendMSS || !reassembly.isEmpty {
                ackNow = true
            } else if stored > 0 && delayedAckDeadline == nil {
                delayedAckDeadline = now + configuration.delayedAckTimeout
            }
        } else if seq > rcvNxt {
            // A hole before this segment: keep it, and say so at once (RFC 5681 §4.2).
            if let payload {
                if !reassembly.insert(payload, at: seq, fin: fin) { counters.outOfOrderDropped += 1 }
            } else if fin {
                reassembly.noteFIN(at: seq)
            }
            ackNow = true
        }
    }

    private func receiveFIN() {
        rcvNxt = rcvNxt + 1
        peerFinished = true
        ackNow = true
        switch state {
        case .synReceived, .established:
            state = .closeWait
        case .finWait1:
            // Our FIN not yet acknowledged: both sides closed at once (RFC 9293 figure 13).
            state = .closing
        case .finWait2:
            // The end of the peer's stream comes before the end of the connection.
            enterTimeWait(notify: false)
            onEvent?(.endOfStream)
            notifyClosed(nil)
            return
        default:
            break
        }
        onEvent?(.endOfStream)
    }

    func sendChallengeACK() {
        counters.challengeACKs += 1
        answerInvalid(nil, payloadLength: 0)
    }

    /// ACKs a segment that is dropped as invalid (out of window, old timestamp, impossible ACK,
    /// a challenge). Such answers to segments without data, or to SYNs, go out at most once per
    /// 500 ms (RFC 5961 §7, as Linux's tcp_invalid_ratelimit): two ends that each find the
    /// other's ACKs unacceptable would otherwise answer each other forever. Data segments are
    /// always answered, since their ACK may be the one that repairs a lost ACK.
    func answerInvalid(_ segment: TCPHeaderRepr?, payloadLength: Int) {
        let mayLoop = segment == nil || payloadLength == 0 || segment!.flags.contains(.syn)
        if mayLoop, let last = lastInvalidAnswer, now.since(last) < .milliseconds(500) {
            counters.throttledACKs += 1
            return
        }
        if mayLoop { lastInvalidAnswer = now }
        ackNow = true
    }

    /// A reset for a segment that acknowledged what we never sent.
    func sendReset(sequence: SequenceNumber) {
        let header = TCPHeaderRepr(sourcePort: localPort, destinationPort: remotePort, sequenceNumber: sequence.rawValue,
                                   flags: [.rst], window: 0)
        counters.segmentsSent += 1
        output(header, 0) { _ in }
    }
}
