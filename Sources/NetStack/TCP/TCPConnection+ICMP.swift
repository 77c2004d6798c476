import Wire

/// ICMP errors about this connection's segments (RFC 1122 §4.2.3.9, RFC 5461), and path MTU
/// discovery (RFC 1191). The stack finds the connection from the segment the error quotes;
/// the connection believes it only when the quoted sequence number is one it has sent and the
/// peer has not acknowledged (RFC 5927 §4.1), so a forged error needs a guess of the
/// connection's live sequence space, as a forged RST does.
extension TCPConnection {
    /// Whether `sequence`, quoted by an ICMP error, lies in what is in flight: [SND.UNA, SND.MAX),
    /// or the ISS while the SYN is unanswered.
    func quotesSegmentInFlight(_ sequence: SequenceNumber) -> Bool {
        switch state {
        case .synSent, .synReceived: return sequence == iss
        case .closed, .listen, .timeWait: return false
        default: return sndUna <= sequence && sequence < sndMax
        }
    }

    /// Destination unreachable (other than fragmentation needed), time exceeded or parameter
    /// problem about a segment of ours. While the handshake is under way a hard error (protocol
    /// or port unreachable, communication administratively prohibited) ends the attempt as a
    /// refusal does; otherwise the error is soft: remembered, and reported instead of
    /// "timed out" if the connection later gives up (as Linux's sk_err_soft).
    @discardableResult
    public func icmpError(_ error: TCPICMPError, quotedSequence: SequenceNumber) -> Bool {
        guard quotesSegmentInFlight(quotedSequence) else {
            counters.icmpErrorsIgnored += 1
            return false
        }
        counters.icmpErrors += 1
        softError = error
        if state == .synSent, error.isHard {
            terminate(.unreachable(error))
        }
        return true
    }

    /// Fragmentation needed with DF set, about a segment of ours: the path takes packets of at
    /// most `mtu` bytes. Segments shrink to fit and what is in flight, which was too large and
    /// is lost, is sent again at once at the new size; the loss says nothing about congestion,
    /// so the window stays (RFC 1191 §6.5, Linux's tcp_simple_retransmit). Returns whether the
    /// connection took it.
    @discardableResult
    public func pathMTUDecreased(to mtu: Int, quotedSequence: SequenceNumber) -> Bool {
        guard quotesSegmentInFlight(quotedSequence) else {
            counters.icmpErrorsIgnored += 1
            return false
        }
        let fitting = max(Self.minimumSegmentSize, mtu - 40 - (timestampsEnabled ? 12 : 0))
        // Segments are at the black hole's base size: what the path says now is what the
        // next full-size try uses.
        if blackHole.retryAt != nil {
            blackHole.savedPathMTU = min(blackHole.savedPathMTU, mtu)
            blackHole.savedMSS = min(blackHole.savedMSS, fitting)
        }
        guard mtu < pathMTU else { return false }
        pathMTU = mtu
        guard fitting < sendMSS else { return true }
        sendMSS = fitting
        congestion.maximumSegmentSize = sendMSS
        counters.pathMTUReductions += 1
        guard state.isSynchronized, sndMax > sndUna else { return true }
        inRecovery = false
        inflation = 0
        duplicateAcks = 0
        recover = sndMax
        highRetransmitted = sndUna
        timedSegment = nil
        sndNxt = sndUna
        transmitWhatIsAllowed()
        return true
    }

    /// Path MTU black holes (RFC 8899 §4.4 on lost ICMP; RFC 4821's fallback): a router on the
    /// path drops our DF packets and its "fragmentation needed" never arrives (filtered, lost,
    /// or rate-limited away). Full-size segments then time out again and again while small ones
    /// would pass. After `blackHoleRetries` timeouts in a row of a segment larger than the
    /// base size, segments shrink to fit RFC 8899's base PLPMTU of 1,200 bytes, which every
    /// path of the testbed carries (links are 576 bytes at least, but the base is what IPv4
    /// paths carry in practice). Linux does the same with tcp_mtu_probing, after tcp_retries1
    /// (3) timeouts.
    ///
    /// Timeouts in a row are also what an outage looks like, so the smaller size is not kept
    /// for good: after `blackHoleRetryInterval` full-size segments are tried again (RFC 8899's
    /// raise timer). A real black hole is found again by the same three timeouts, and the next
    /// try waits twice as long, up to 10 minutes (RFC 8899's PMTU_RAISE_TIMER); data
    /// acknowledged at full size again resets the wait.
    func detectBlackHole() {
        let base = Self.basePathMTU - 40 - (timestampsEnabled ? 12 : 0)
        // Only a segment larger than the base can be what the path refuses.
        guard let retries = configuration.blackHoleRetries, retransmitCount >= retries,
              pathMTU > Self.basePathMTU, sendMSS > base, sndMax - sndUna > base else { return }
        counters.blackHoleDetections += 1
        let interval = blackHole.interval == .zero ? Self.blackHoleRetryInterval : min(blackHole.interval * 2, .seconds(600))
        blackHole = BlackHoleState(retryAt: now + interval, interval: interval, savedMSS: sendMSS, savedPathMTU: pathMTU)
        pathMTU = Self.basePathMTU
        sendMSS = base
        congestion.maximumSegmentSize = sendMSS
    }

    /// Full-size segments again once the black hole's retry time has come.
    @inline(__always)
    func retryAfterBlackHoleIfDue() {
        guard let retryAt = blackHole.retryAt, now >= retryAt else { return }
        blackHole.retryAt = nil
        counters.blackHoleRetries += 1
        pathMTU = blackHole.savedPathMTU
        sendMSS = blackHole.savedMSS
        congestion.maximumSegmentSize = sendMSS
    }

    /// How long segments stay at the base size after the first black hole is suspected.
    static let blackHoleRetryInterval: Duration = .seconds(10)

    /// RFC 8899 §5.1.2's BASE_PLPMTU for IPv4.
    static let basePathMTU = 1200

    /// The smallest payload a segment is cut to, whatever the path says (a forged error with a
    /// tiny MTU must not make a connection send 8-byte segments).
    static let minimumSegmentSize = 64
}

/// A suspected black hole: the segment size it cut, and when to try it again.
struct BlackHoleState {
    var retryAt: Instant?
    /// The wait before the last retry; it doubles each time the hole is found again.
    var interval: Duration = .zero
    var savedMSS = 0
    var savedPathMTU = 0
}

/// An ICMP error as a TCP connection hears it.
public enum TCPICMPError: Sendable, Equatable, CustomStringConvertible {
    case unreachable(code: UInt8)
    case timeExceeded(code: UInt8)
    case parameterProblem

    /// Errors that end a connection attempt (RFC 1122 §4.2.3.9: protocol and port unreachable;
    /// and, as Linux treats them, the administratively prohibited codes).
    var isHard: Bool {
        if case let .unreachable(code) = self { return [2, 3, 9, 10, 13].contains(code) }
        return false
    }

    public var description: String {
        switch self {
        case let .unreachable(code): return ICMPv4Repr.UnreachableCode.name(code)
        case let .timeExceeded(code): return code == 0 ? "time to live exceeded" : "fragment reassembly time exceeded"
        case .parameterProblem: return "parameter problem"
        }
    }
}
