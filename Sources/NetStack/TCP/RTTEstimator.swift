/// The retransmission timer's estimate of the round-trip time, RFC 6298.
///
/// Pure arithmetic: the connection measures a round trip (one timed segment per window, or the
/// echo of a timestamp) and hands it to `addSample`; it asks for `retransmissionTimeout` when it
/// arms the timer and calls `backOff` when the timer fires.
///
/// Karn's rule (RFC 6298 §3, Karn & Partridge 1987) is the caller's job: a segment that was
/// retransmitted must never be sampled, because its ACK cannot be matched to one transmission.
/// (RFC 7323 timestamps remove the ambiguity, so a timestamp echo may be sampled even then.)
/// The back-off that a timeout applies is kept until a *new* sample arrives, so a connection
/// that follows Karn keeps the backed-off RTO until a segment sent after the timeout is ACKed.
///
/// All arithmetic is done on `Duration` (attosecond resolution), so the RFC's fractions
/// (1/8, 1/4) are exact for any sample given in whole nanoseconds.
public struct RTTEstimator: Sendable {
    /// RTO before the first sample (RFC 6298 §2.1: 1 second).
    public let initialRTO: Duration
    /// Lower bound of the RTO (RFC 6298 §2.4 says 1 s; 200 ms is what Linux uses).
    public let minimumRTO: Duration
    /// Upper bound of the RTO, also of a backed-off RTO (RFC 6298 §2.5: at least 60 s).
    public let maximumRTO: Duration
    /// G, the clock granularity (RFC 6298 §2.2, §2.3).
    public let clockGranularity: Duration

    /// SRTT, nil before the first sample.
    public private(set) var smoothedRTT: Duration?
    /// RTTVAR; zero before the first sample.
    public private(set) var rttVariance: Duration
    /// The number of consecutive back-offs (timeouts) since the last sample.
    public private(set) var backoffShift: Int

    public init(initialRTO: Duration = .seconds(1), minimumRTO: Duration = .milliseconds(200),
                maximumRTO: Duration = .seconds(60), clockGranularity: Duration = .milliseconds(1)) {
        self.initialRTO = initialRTO
        self.minimumRTO = minimumRTO
        self.maximumRTO = max(maximumRTO, minimumRTO)
        self.clockGranularity = clockGranularity
        smoothedRTT = nil
        rttVariance = .zero
        backoffShift = 0
    }

    /// RTO before back-off: SRTT + max(G, 4·RTTVAR) (RFC 6298 §2.2, §2.3), or the initial RTO
    /// before any sample, clamped to [minimumRTO, maximumRTO] (§2.4, §2.5).
    public var baseRetransmissionTimeout: Duration {
        let raw: Duration
        if let srtt = smoothedRTT {
            raw = srtt + max(clockGranularity, rttVariance * 4)
        } else {
            raw = initialRTO
        }
        return min(max(raw, minimumRTO), maximumRTO)
    }

    /// The RTO to arm the timer with: the base RTO doubled once per back-off (RFC 6298 §5.5),
    /// never above `maximumRTO`.
    public var retransmissionTimeout: Duration {
        var rto = baseRetransmissionTimeout
        var shift = backoffShift
        while shift > 0 && rto < maximumRTO && rto > .zero {
            rto = rto * 2
            shift -= 1
        }
        return min(rto, maximumRTO)
    }

    /// Folds in one round-trip measurement R (RFC 6298 §2.2 for the first, §2.3 after):
    ///
    ///     first:  SRTT = R, RTTVAR = R/2
    ///     after:  RTTVAR = (1 - 1/4)·RTTVAR + 1/4·|SRTT - R|   (with the old SRTT)
    ///             SRTT   = (1 - 1/8)·SRTT   + 1/8·R
    ///
    /// A new sample also ends any back-off: the RTO is recomputed from the estimate (the note
    /// to RFC 6298 §5.7: after a timeout the backed-off RTO is kept only until new data is
    /// ACKed and timed). Negative samples count as zero.
    public mutating func addSample(_ rtt: Duration) {
        let r = max(rtt, .zero)
        if let srtt = smoothedRTT {
            let difference = srtt > r ? srtt - r : r - srtt
            rttVariance = (rttVariance * 3 + difference) / 4
            smoothedRTT = (srtt * 7 + r) / 8
        } else {
            smoothedRTT = r
            rttVariance = r / 2
        }
        backoffShift = 0
    }

    /// The retransmission timer expired: double the RTO (RFC 6298 §5.5), up to `maximumRTO`.
    public mutating func backOff() {
        if backoffShift < Int.max { backoffShift += 1 }
    }
}
