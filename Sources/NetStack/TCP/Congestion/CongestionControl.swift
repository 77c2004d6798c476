import Wire

/// The congestion-control algorithms a connection can run (`TCPConfiguration.congestionControl`).
public enum CongestionAlgorithm: String, Sendable, CaseIterable, Codable {
    /// RFC 5681 slow start and congestion avoidance with the RFC 6582 (NewReno) recovery window.
    case newReno = "newreno"
    /// RFC 9438 CUBIC.
    case cubic = "cubic"

    /// A fresh controller of this kind for a connection whose sender MSS is `maximumSegmentSize`.
    public func make(maximumSegmentSize: Int) -> any CongestionControl {
        switch self {
        case .newReno: return NewReno(maximumSegmentSize: maximumSegmentSize)
        case .cubic: return Cubic(maximumSegmentSize: maximumSegmentSize)
        }
    }

    /// The initial window of RFC 6928 §2: IW = min(10·SMSS, max(2·SMSS, 14600)) bytes.
    ///
    /// SMSS 536 → 5360, SMSS 1460 → 14600, SMSS 8960 → 17920.
    public static func initialWindow(maximumSegmentSize: Int) -> Int {
        let smss = max(1, maximumSegmentSize)
        return min(10 * smss, max(2 * smss, 14_600))
    }
}

/// Window arithmetic only: loss detection and recovery (NewReno partial ACKs, RFC 6675 pipe)
/// are the connection's. The connection reports what happened; the controller answers with a
/// congestion window and a slow-start threshold, both in bytes.
public protocol CongestionControl: AnyObject {
    var algorithm: CongestionAlgorithm { get }
    /// cwnd, bytes.
    var congestionWindow: Int { get }
    /// ssthresh, bytes; `Int.max` initially ("arbitrarily high", RFC 5681 §3.1).
    var slowStartThreshold: Int { get }
    /// SMSS. The connection sets it after the handshake; if nothing has been reported to the
    /// controller yet (no ACK, no loss), the initial window is recomputed for the new SMSS.
    var maximumSegmentSize: Int { get set }

    /// New data was cumulatively ACKed outside recovery. `bytesInFlight` is the flight before
    /// this ACK removed the acked bytes. Slow start: cwnd += min(newlyAcked, SMSS) (RFC 5681 §3.1
    /// with RFC 3465 L = 1·SMSS); congestion avoidance: one SMSS per cwnd of ACKed data (byte
    /// counting). Nothing grows unless `isCwndLimited`: cwnd was what held the flight back. A
    /// flight kept below cwnd by the application or by the peer's receive window proves nothing
    /// about the path (RFC 7661's idea; Linux's `tcp_is_cwnd_limited`), and a cwnd grown without
    /// it is a number a loss would then be measured against (CUBIC's W_max, ssthresh = 0.7·cwnd).
    /// `rtt` is the connection's current RTT estimate (SRTT), nil before the first sample.
    func onAcknowledged(newlyAcked: Int, bytesInFlight: Int, isCwndLimited: Bool, now: Instant, rtt: Duration?)

    /// Fast retransmit starts (third duplicate ACK or RFC 6675 loss detection). The controller
    /// sets ssthresh and cwnd = ssthresh; any NewReno 3·SMSS inflation is the connection's.
    func onEnterRecovery(bytesInFlight: Int, now: Instant)

    /// Recovery ended (the recovery point is cumulatively ACKed): cwnd =
    /// min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 §3.2 step 3, option 1).
    func onExitRecovery(bytesInFlight: Int, now: Instant)

    /// The retransmission timer fired: ssthresh is reduced (once per run of timeouts) and
    /// cwnd = 1·SMSS, the loss window (RFC 5681 §3.1).
    func onRetransmissionTimeout(bytesInFlight: Int, now: Instant)

    /// Idle for more than an RTO with nothing in flight: cwnd = min(IW, cwnd) (RFC 5681 §4.1).
    func onIdleRestart(now: Instant)
}
