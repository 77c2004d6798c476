import Wire

/// CUBIC, RFC 9438.
///
/// After a congestion event the window follows
///
///     W_cubic(t) = C·(t − K)³ + W_max,   K = ∛((W_max − cwnd_epoch) / C)        (§4.2)
///
/// in segments, with C = 0.4 and t the seconds since the epoch started. The epoch starts at the
/// first ACK in congestion avoidance after a congestion event (or after an idle restart);
/// cwnd_epoch is cwnd then. Right after a loss cwnd_epoch = β·W_max, which makes
/// K = ∛(W_max·(1 − β) / C). On every ACK in congestion avoidance:
///
/// - W_est += α_cubic · segments_acked / cwnd, α_cubic = 3(1 − β)/(1 + β) until W_est reaches
///   the window before the last reduction (cwnd_prior), 1 afterwards (§4.3);
/// - if W_cubic(t) < W_est the sender is in the Reno-friendly region and cwnd = W_est (§4.3);
/// - otherwise (concave region below W_max, convex above, §4.4, §4.5) cwnd grows by
///   (target − cwnd)/cwnd per ACKed segment, target = W_cubic(t + RTT) bounded to
///   [cwnd, 1.5·cwnd] (§4.2).
///
/// RTT is the `rtt` argument of `onAcknowledged` as given, which the connection fills with its
/// smoothed RTT (SRTT) — what §4.2 asks for. Without an RTT estimate (nil) only the
/// Reno-friendly estimate drives the window, i.e. Reno-style growth.
///
/// Loss (§4.6): ssthresh = max(cwnd·β, 2·SMSS) with β = 0.7 (cwnd, not FlightSize, as Linux and
/// the brief of this module say), cwnd = ssthresh; before that, fast convergence (§4.7) sets
/// W_max = cwnd·(1 + β)/2 if cwnd < W_max, else W_max = cwnd. Timeout (§4.8): the same
/// ssthresh (held on a repeated timeout), cwnd = 1·SMSS, and the first epoch after it uses
/// K = 0 and W_max = cwnd_epoch. Slow start is RFC 5681's (§4.10), as in `NewReno`.
///
/// ACKs that cwnd did not limit (the application or the peer's window kept the flight below it)
/// grow nothing, and the time from the first such ACK to the next cwnd-limited one is taken out
/// of t (§5.8: "t" must not count periods in which cwnd was not updated because the
/// application did not fill it; a receive window that does not is the same case).
///
/// Windows are kept in bytes (as `Double`, so that fractional growth accumulates); W_max, K
/// and W_est are exposed in the RFC's units (segments, seconds) for inspection.
public final class Cubic: CongestionControl {
    /// C, segments/s³.
    public static let c = 0.4
    /// β_cubic.
    public static let beta = 0.7
    /// α_cubic = 3(1 − β)/(1 + β) = 0.9/1.7 ≈ 0.5294.
    public static let alpha = 3 * (1 - beta) / (1 + beta)

    public var algorithm: CongestionAlgorithm { .cubic }
    public var congestionWindow: Int { Int(window) }
    public private(set) var slowStartThreshold: Int = .max
    public var maximumSegmentSize: Int {
        didSet {
            maximumSegmentSize = max(1, maximumSegmentSize)
            if pristine { window = Double(initialWindow) }
        }
    }
    /// Fast convergence (§4.7), on by default (RFC 9438 says SHOULD; it may be turned off for a
    /// lone flow).
    public let fastConvergence: Bool

    /// cwnd in bytes, with the fraction that per-ACK growth accumulates.
    private var window: Double
    /// W_max in bytes; nil before the first congestion event.
    private var windowMax: Double?
    /// cwnd just before the last reduction, bytes (cwnd_prior).
    private var priorWindow: Double = 0
    private var epochStart: Instant?
    private var epochWindow: Double = 0
    private var kSeconds: Double = 0
    private var estimate: Double = 0
    private var alphaNow = Cubic.alpha
    private var cwndUnusedSince: Instant?
    private var afterTimeout = false
    private var timeoutPending = false
    private var pristine = true

    public init(maximumSegmentSize: Int, fastConvergence: Bool = true) {
        self.maximumSegmentSize = max(1, maximumSegmentSize)
        self.fastConvergence = fastConvergence
        window = Double(CongestionAlgorithm.initialWindow(maximumSegmentSize: max(1, maximumSegmentSize)))
    }

    // MARK: inspection, in the RFC's units

    /// W_max in segments; nil before the first congestion event.
    public var maximumWindowSegments: Double? { windowMax.map { $0 / smss } }
    /// K in seconds for the running epoch; nil outside one.
    public var k: Double? { epochStart == nil ? nil : kSeconds }
    /// W_est in segments for the running epoch; nil outside one.
    public var renoFriendlyWindowSegments: Double? { epochStart == nil ? nil : estimate / smss }
    /// The instant the running epoch started (shifted forward by periods cwnd did not limit).
    public var epochStartedAt: Instant? { epochStart }
    /// W_cubic(t) in segments for the running epoch, t in seconds since it started.
    public func cubicWindowSegments(atSeconds t: Double) -> Double? {
        epochStart == nil ? nil : wCubic(t) / smss
    }

    // MARK: events

    public func onAcknowledged(newlyAcked: Int, bytesInFlight: Int, isCwndLimited: Bool, now: Instant, rtt: Duration?) {
        guard newlyAcked > 0 else { return }
        pristine = false
        timeoutPending = false
        if !isCwndLimited {
            if epochStart != nil && cwndUnusedSince == nil { cwndUnusedSince = now }
            return
        }
        if let since = cwndUnusedSince, let start = epochStart {
            epochStart = start + now.since(since)
        }
        cwndUnusedSince = nil

        if window < Double(slowStartThreshold) {
            window = min(window + Double(min(newlyAcked, maximumSegmentSize)), Double(slowStartThreshold))
            return
        }
        congestionAvoidance(acked: Double(newlyAcked), now: now, rtt: rtt)
    }

    private func congestionAvoidance(acked: Double, now: Instant, rtt: Duration?) {
        if epochStart == nil { startEpoch(now) }
        let segmentsAcked = acked / smss
        // §4.3 equation 4 (in bytes: both sides times SMSS): W_est += α·segments_acked/cwnd.
        estimate += alphaNow * segmentsAcked / (window / smss) * smss
        if alphaNow < 1 && estimate >= priorWindow { alphaNow = 1 }

        guard let rtt, let start = epochStart else {
            window = max(window, estimate)
            return
        }
        let t = seconds(now.since(start))
        if wCubic(t) < estimate {
            // Reno-friendly region: never lower cwnd, only raise it to W_est.
            window = max(window, estimate)
            return
        }
        let target = min(max(wCubic(t + seconds(rtt)), window), 1.5 * window)
        // (target − cwnd)/cwnd segments per ACKed segment; in bytes: × SMSS × acked/SMSS.
        window += (target - window) / window * acked
    }

    private func startEpoch(_ now: Instant) {
        epochStart = now
        epochWindow = window
        if afterTimeout || windowMax == nil || windowMax! <= window {
            // §4.8 (after a timeout) and the case of a window already at or past W_max:
            // the curve starts in its convex part at the current window.
            windowMax = window
            kSeconds = 0
        } else {
            kSeconds = cubeRoot((windowMax! - epochWindow) / smss / Cubic.c)
        }
        afterTimeout = false
        estimate = window
        alphaNow = estimate >= priorWindow ? 1 : Cubic.alpha
    }

    /// §4.6 with §4.7: W_max (fast convergence), ssthresh = max(β·cwnd, 2·SMSS), cwnd = ssthresh.
    public func onEnterRecovery(bytesInFlight: Int, now: Instant) {
        pristine = false
        timeoutPending = false
        let cwnd = Double(congestionWindow)
        if fastConvergence, let wMax = windowMax, cwnd < wMax {
            windowMax = cwnd * (1 + Cubic.beta) / 2
        } else {
            windowMax = cwnd
        }
        reduceThreshold()
        window = Double(slowStartThreshold)
        afterTimeout = false
        endEpoch()
    }

    /// RFC 6582 §3.2 step 3, option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
    public func onExitRecovery(bytesInFlight: Int, now: Instant) {
        pristine = false
        let smss = maximumSegmentSize
        window = Double(min(slowStartThreshold, max(bytesInFlight, smss) + smss))
        endEpoch()
    }

    /// §4.8: ssthresh as on a loss (held on a repeated timeout), cwnd = 1·SMSS.
    public func onRetransmissionTimeout(bytesInFlight: Int, now: Instant) {
        pristine = false
        if !timeoutPending { reduceThreshold() }
        timeoutPending = true
        afterTimeout = true
        window = Double(maximumSegmentSize)
        endEpoch()
    }

    /// RFC 5681 §4.1: cwnd = min(IW, cwnd); the next ACK in congestion avoidance starts a new
    /// epoch, so the idle time never counts in t.
    public func onIdleRestart(now: Instant) {
        window = min(Double(initialWindow), window)
        endEpoch()
    }

    // MARK: arithmetic

    /// ssthresh = max(⌊cwnd·7/10⌋, 2·SMSS), computed on the integer window so it is exact.
    private func reduceThreshold() {
        let cwnd = congestionWindow
        priorWindow = window
        slowStartThreshold = max(cwnd * 7 / 10, 2 * maximumSegmentSize)
    }

    private func endEpoch() {
        epochStart = nil
        cwndUnusedSince = nil
    }

    /// W_cubic(t) in bytes.
    private func wCubic(_ t: Double) -> Double {
        let d = t - kSeconds
        return Cubic.c * d * d * d * smss + (windowMax ?? window)
    }

    private var smss: Double { Double(maximumSegmentSize) }
    private var initialWindow: Int { CongestionAlgorithm.initialWindow(maximumSegmentSize: maximumSegmentSize) }
    private func seconds(_ d: Duration) -> Double { Double(d.nanosecondsValue) / 1e9 }
    /// ∛x for x ≥ 0 (0 below): Newton's iteration from max(1, x), which lies above the root,
    /// so the iterates fall monotonically until rounding stops them. NetStack imports no libm.
    private func cubeRoot(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        var y = max(1, x)
        for _ in 0..<400 {
            let next = y - (y * y * y - x) / (3 * y * y)
            if !(next < y) { return y }
            y = next
        }
        return y
    }
}
