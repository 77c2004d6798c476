import NetStack
import Testing
import Wire

/// `onIdleRestart` (RFC 5681 §4.1) on each controller: cwnd = min(IW, cwnd), ssthresh kept.
/// SMSS 1000, so IW = 10 000 bytes.
@Suite("congestion control after idle")
struct IdleRestartTests {
    @Test(arguments: CongestionAlgorithm.allCases)
    func aGrownWindowFallsToTheInitialWindow(algorithm: CongestionAlgorithm) {
        let cc = algorithm.make(maximumSegmentSize: 1000)
        CongestionHarness.slowStart(cc, to: 40_000)
        let threshold = cc.slowStartThreshold
        cc.onIdleRestart(now: CongestionHarness.instant(seconds: 5))
        #expect(cc.congestionWindow == 10_000)
        #expect(cc.slowStartThreshold == threshold)
    }

    @Test(arguments: CongestionAlgorithm.allCases)
    func aWindowBelowTheInitialWindowStays(algorithm: CongestionAlgorithm) {
        let cc = algorithm.make(maximumSegmentSize: 1000)
        CongestionHarness.slowStart(cc, to: 30_000)
        cc.onRetransmissionTimeout(bytesInFlight: 30_000, now: .zero)
        #expect(cc.congestionWindow == 1000)
        cc.onIdleRestart(now: CongestionHarness.instant(seconds: 5))
        #expect(cc.congestionWindow == 1000)
    }

    /// RFC 9438 §4.2: time in the cubic function counts from the epoch's start; after idleness
    /// a new epoch begins with the next ACK, so the idle seconds never inflate W_cubic(t).
    @Test func cubicStartsANewEpochAfterIdle() throws {
        let cc = Cubic(maximumSegmentSize: 1000)
        CongestionHarness.slowStart(cc, to: 100_000)
        cc.onEnterRecovery(bytesInFlight: cc.congestionWindow, now: .zero)
        cc.onExitRecovery(bytesInFlight: cc.congestionWindow, now: .zero)
        cc.onAcknowledged(newlyAcked: 1000, bytesInFlight: cc.congestionWindow, isCwndLimited: true,
                          now: CongestionHarness.instant(seconds: 1), rtt: .milliseconds(100))
        #expect(cc.epochStartedAt == CongestionHarness.instant(seconds: 1))
        cc.onIdleRestart(now: CongestionHarness.instant(seconds: 60))
        #expect(cc.epochStartedAt == nil)
        #expect(cc.congestionWindow == 10_000)
        // Below ssthresh (70 000) after the restart: slow start, one SMSS per SMSS ACKed, not a
        // cubic jump sixty seconds into an epoch.
        cc.onAcknowledged(newlyAcked: 1000, bytesInFlight: cc.congestionWindow, isCwndLimited: true,
                          now: CongestionHarness.instant(seconds: 61), rtt: .milliseconds(100))
        #expect(cc.congestionWindow == 11_000)
    }
}
