import NetStack
import Wire

/// Helpers shared by the congestion-control tests: an ACK clock without a network.
/// (Namespaced so they cannot clash with other test helpers in NetStackTests.)
enum CongestionHarness {
    /// The instant `seconds` after zero.
    static func instant(seconds: Double) -> Instant {
        Instant(nanoseconds: UInt64((seconds * 1e9).rounded()))
    }

    /// Seconds from `start` to `now`.
    static func seconds(from start: Instant, to now: Instant) -> Double {
        Double(now.since(start).nanosecondsValue) / 1e9
    }

    /// One round trip of an ACK clock: a full congestion window is in flight and comes back as
    /// ACKs of `ackSize` bytes (default SMSS; the last one smaller if the window is not a
    /// multiple), spread evenly over `rtt` from `start`. `bytesInFlight` is reported as it was
    /// before each ACK; `reportedRTT` is what the connection would pass as its RTT estimate.
    /// Returns the instant the round ends (`start + rtt`).
    @discardableResult
    static func round(_ cc: any CongestionControl, start: Instant, rtt: Duration,
                      reportedRTT: Duration?, ackSize: Int? = nil,
                      applicationLimited: Bool = false) -> Instant {
        let size = ackSize ?? cc.maximumSegmentSize
        let window = cc.congestionWindow
        let acks = (window + size - 1) / size
        var acked = 0
        for i in 0..<acks {
            let bytes = min(size, window - acked)
            cc.onAcknowledged(newlyAcked: bytes, bytesInFlight: window - acked,
                              isCwndLimited: !applicationLimited,
                              now: start + rtt * i / acks, rtt: reportedRTT)
            acked += bytes
        }
        return start + rtt
    }

    /// Slow start without losses until cwnd reaches `bytes`, one SMSS ACKed at a time.
    static func slowStart(_ cc: any CongestionControl, to bytes: Int, now: Instant = .zero) {
        while cc.congestionWindow < bytes {
            cc.onAcknowledged(newlyAcked: cc.maximumSegmentSize, bytesInFlight: cc.congestionWindow,
                              isCwndLimited: true, now: now, rtt: nil)
        }
    }
}
