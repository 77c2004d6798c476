import Wire

/// Reno's window arithmetic: RFC 5681 slow start and congestion avoidance, RFC 3465 byte
/// counting (L = 1·SMSS), RFC 6928 initial window, RFC 6582's window at the end of recovery.
///
/// - Slow start (cwnd < ssthresh): every ACK adds min(newly ACKed, SMSS), never past ssthresh
///   (the bytes that would carry it past are not carried over into congestion avoidance).
/// - Congestion avoidance (cwnd ≥ ssthresh): ACKed bytes are counted; each time a whole cwnd
///   of them has been ACKed, cwnd grows by one SMSS (RFC 5681 §3.1, RFC 3465 §2.1), so it grows
///   by one SMSS per round trip whether the receiver ACKs every segment or every other one.
/// - An ACK that cwnd did not limit (the application or the peer's window did) grows nothing
///   (RFC 7661's rationale; see `CongestionControl`).
public final class NewReno: CongestionControl {
    public var algorithm: CongestionAlgorithm { .newReno }
    public private(set) var congestionWindow: Int
    public private(set) var slowStartThreshold: Int = .max
    public var maximumSegmentSize: Int {
        didSet {
            maximumSegmentSize = max(1, maximumSegmentSize)
            if pristine { congestionWindow = initialWindow }
        }
    }

    /// ACKed bytes not yet turned into window during congestion avoidance (RFC 3465 bytes_acked).
    public private(set) var bytesAckedInAvoidance = 0
    /// Nothing has been reported yet: an SMSS change still resets the initial window.
    private var pristine = true
    /// A timeout fired and no new data has been ACKed since: further timeouts (the same segment
    /// retransmitted again) hold ssthresh (RFC 5681 §3.1, the note to equation 4).
    private var timeoutPending = false

    public init(maximumSegmentSize: Int) {
        self.maximumSegmentSize = max(1, maximumSegmentSize)
        congestionWindow = CongestionAlgorithm.initialWindow(maximumSegmentSize: max(1, maximumSegmentSize))
    }

    private var initialWindow: Int { CongestionAlgorithm.initialWindow(maximumSegmentSize: maximumSegmentSize) }

    public func onAcknowledged(newlyAcked: Int, bytesInFlight: Int, isCwndLimited: Bool, now: Instant, rtt: Duration?) {
        guard newlyAcked > 0 else { return }
        pristine = false
        timeoutPending = false
        guard isCwndLimited else { return }
        let smss = maximumSegmentSize
        if congestionWindow < slowStartThreshold {
            congestionWindow = min(congestionWindow + min(newlyAcked, smss), slowStartThreshold)
        } else {
            bytesAckedInAvoidance += newlyAcked
            if bytesAckedInAvoidance >= congestionWindow {
                bytesAckedInAvoidance -= congestionWindow
                congestionWindow += smss
            }
        }
    }

    /// RFC 5681 equation 4: ssthresh = max(FlightSize / 2, 2·SMSS); cwnd = ssthresh.
    public func onEnterRecovery(bytesInFlight: Int, now: Instant) {
        pristine = false
        timeoutPending = false
        slowStartThreshold = max(max(0, bytesInFlight) / 2, 2 * maximumSegmentSize)
        congestionWindow = slowStartThreshold
        bytesAckedInAvoidance = 0
    }

    /// RFC 6582 §3.2 step 3, option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS), so a
    /// flight that shrank during recovery cannot be followed by a burst.
    public func onExitRecovery(bytesInFlight: Int, now: Instant) {
        pristine = false
        let smss = maximumSegmentSize
        congestionWindow = min(slowStartThreshold, max(bytesInFlight, smss) + smss)
        bytesAckedInAvoidance = 0
    }

    /// RFC 5681 §3.1: ssthresh = max(FlightSize / 2, 2·SMSS) (held on a repeated timeout),
    /// cwnd = 1·SMSS.
    public func onRetransmissionTimeout(bytesInFlight: Int, now: Instant) {
        pristine = false
        if !timeoutPending {
            slowStartThreshold = max(max(0, bytesInFlight) / 2, 2 * maximumSegmentSize)
        }
        timeoutPending = true
        congestionWindow = maximumSegmentSize
        bytesAckedInAvoidance = 0
    }

    /// RFC 5681 §4.1: the restart window is min(IW, cwnd).
    public func onIdleRestart(now: Instant) {
        congestionWindow = min(initialWindow, congestionWindow)
        bytesAckedInAvoidance = 0
    }
}
