import Wire

extension TCPConnection {
    /// The earliest instant at which `poll` has something to do: the earliest armed timer.
    /// Asked after every segment, so it builds no arrays.
    public var nextDeadline: Instant? {
        var earliest = Instant.earliest(retransmitDeadline, delayedAckDeadline)
        earliest = Instant.earliest(earliest, persistDeadline)
        earliest = Instant.earliest(earliest, keepAliveDeadline)
        earliest = Instant.earliest(earliest, timeWaitDeadline)
        return Instant.earliest(earliest, finWait2Deadline)
    }

    /// Runs the timers that are due.
    public func poll(now: Instant) {
        self.now = max(self.now, now)
        if let deadline = timeWaitDeadline, deadline <= now {
            terminate(nil)
            return
        }
        if let deadline = finWait2Deadline, deadline <= now, state == .finWait2 {
            terminate(nil)
            return
        }
        if let deadline = retransmitDeadline, deadline <= now {
            retransmitDeadline = nil
            retransmissionTimeout()
            if state == .closed { return }
        }
        if let deadline = persistDeadline, deadline <= now {
            persistDeadline = nil
            probeZeroWindow()
        }
        if let deadline = keepAliveDeadline, deadline <= now {
            keepAliveDeadline = nil
            keepAliveExpired()
            if state == .closed { return }
        }
        if let deadline = delayedAckDeadline, deadline <= now {
            delayedAckDeadline = nil
            ackNow = true
        }
        transmitWhatIsAllowed()
    }

    func armRetransmit(restart: Bool = false) {
        if restart || retransmitDeadline == nil { retransmitDeadline = now + rtt.retransmissionTimeout }
    }

    func armPersist() {
        // Probes back off like retransmissions (RFC 9293 §3.8.6.1), bounded by the maximum RTO.
        var interval = rtt.retransmissionTimeout
        for _ in 0..<persistBackoff where interval < configuration.maximumRTO { interval = interval * 2 }
        persistDeadline = now + min(interval, configuration.maximumRTO)
    }

    private func retransmissionTimeout() {
        counters.retransmissionTimeouts += 1
        retransmitCount += 1
        switch state {
        case .synSent, .synReceived:
            if retransmitCount > configuration.synRetries {
                terminate(.timedOut)
                return
            }
            rtt.backOff()
            sendSYN(acknowledging: state == .synReceived)
            armRetransmit(restart: true)
        case .established, .closeWait, .finWait1, .closing, .lastAck:
            let limit = sndWnd == 0 ? configuration.persistRetries : configuration.dataRetries
            if retransmitCount > limit {
                terminate(.timedOut)
                return
            }
            rtt.backOff()
            timedSegment = nil
            if sndWnd == 0 {
                // The peer's window is closed: what is outstanding is a window probe; probe again.
                counters.zeroWindowProbes += 1
                retransmit(from: sndUna, maximumLength: 1)
                armRetransmit(restart: true)
                return
            }
            detectBlackHole()
            congestion.onRetransmissionTimeout(bytesInFlight: sndMax - sndUna, now: now)
            inRecovery = false
            inflation = 0
            duplicateAcks = 0
            recover = sndMax
            // A peer may discard data it SACKed (RFC 2018 §8); after repeated timeouts stop trusting it.
            if retransmitCount > 2 { scoreboard.clear() }
            highRetransmitted = sndUna
            sndNxt = sndUna
            retransmitDeadline = nil
            transmitWhatIsAllowed()
            armRetransmit()
        default:
            break
        }
    }

    private func probeZeroWindow() {
        guard sndWnd == 0, unsentBytes > 0, state.isSynchronized else {
            persistBackoff = 0
            return
        }
        // RFC 9293 §3.8.6.1: send one octet of new data; the ACK to it carries the window.
        counters.zeroWindowProbes += 1
        persistBackoff += 1
        sendData(at: sndNxt, length: 1, fin: false, retransmission: false)
        sndNxt = sndNxt + 1
        sndMax = SequenceNumber.max(sndMax, sndNxt)
        // Later probes are the retransmission timer's, each one backing off; the interval to
        // the second must double too (RFC 9293 §3.8.6.1: exponentially increasing intervals).
        rtt.backOff()
        armRetransmit(restart: true)
    }

    func keepAliveTouched() {
        guard let keepAlive = configuration.keepAlive, state == .established || state == .closeWait else { return }
        keepAliveProbesSent = 0
        keepAliveDeadline = now + keepAlive.idle
    }

    private func keepAliveExpired() {
        guard let keepAlive = configuration.keepAlive, state == .established || state == .closeWait else { return }
        if keepAliveProbesSent >= keepAlive.probes {
            terminate(.timedOut)
            return
        }
        keepAliveProbesSent += 1
        // The classic probe: an old sequence number, no data; any live peer answers with an ACK.
        emit(sequence: sndUna - 1, flags: [.ack], payloadLength: 0)
        keepAliveDeadline = now + keepAlive.interval
    }
}

extension Instant {
    /// The earlier of two optional deadlines (nil when neither is set). Deadlines are compared
    /// after every segment, so this builds no arrays.
    static func earliest(_ a: Instant?, _ b: Instant?) -> Instant? {
        guard let a else { return b }
        guard let b else { return a }
        return a < b ? a : b
    }
}
