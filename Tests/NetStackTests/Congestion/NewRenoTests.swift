import Foundation
import Testing
import NetStack
import Wire

/// RFC 5681 / 3465 / 6582 / 6928 window arithmetic, numbers by hand. Most tests use
/// SMSS = 1000 so that the arithmetic reads easily; IW(1000) = min(10 000, max(2 000, 14 600))
/// = 10 000 bytes.
@Suite("NewReno congestion control")
struct NewRenoTests {
    let t0 = Instant.zero
    let rtt: Duration = .milliseconds(100)

    /// A NewReno with SMSS 1000 put into congestion avoidance at `cwnd` = ssthresh = `window`:
    /// fast retransmit with FlightSize 2·window gives ssthresh = window; the full ACK with that
    /// flight still out gives cwnd = min(ssthresh, flight + SMSS) = ssthresh.
    func inAvoidance(at window: Int) -> NewReno {
        let cc = NewReno(maximumSegmentSize: 1000)
        cc.onEnterRecovery(bytesInFlight: 2 * window, now: t0)
        cc.onExitRecovery(bytesInFlight: 2 * window, now: t0)
        return cc
    }

    func ack(_ cc: NewReno, _ bytes: Int, limited: Bool = false) {
        cc.onAcknowledged(newlyAcked: bytes, bytesInFlight: cc.congestionWindow,
                          isCwndLimited: !limited, now: t0, rtt: rtt)
    }

    // RFC 6928 §2: IW = min(10·SMSS, max(2·SMSS, 14600)).
    //   536:  min(5360,  max(1072, 14600) = 14600) = 5360
    //   1460: min(14600, max(2920, 14600) = 14600) = 14600
    //   8960: min(89600, max(17920, 14600) = 17920) = 17920
    @Test(arguments: zip([536, 1460, 8960], [5360, 14600, 17920]))
    func initialWindowFollowsRFC6928(smss: Int, expected: Int) {
        #expect(CongestionAlgorithm.initialWindow(maximumSegmentSize: smss) == expected)
        for algorithm in CongestionAlgorithm.allCases {
            let cc = algorithm.make(maximumSegmentSize: smss)
            #expect(cc.congestionWindow == expected)
            #expect(cc.slowStartThreshold == Int.max)
            #expect(cc.maximumSegmentSize == smss)
        }
    }

    @Test func algorithmsHaveStableNamesAndFactories() throws {
        #expect(CongestionAlgorithm.newReno.rawValue == "newreno")
        #expect(CongestionAlgorithm.cubic.rawValue == "cubic")
        #expect(CongestionAlgorithm(rawValue: "cubic") == .cubic)
        let decoded = try JSONDecoder().decode([CongestionAlgorithm].self, from: Data(#"["cubic","newreno"]"#.utf8))
        #expect(decoded == [.cubic, .newReno])
        #expect(CongestionAlgorithm.newReno.make(maximumSegmentSize: 1000) is NewReno)
        #expect(CongestionAlgorithm.cubic.make(maximumSegmentSize: 1000) is Cubic)
        #expect(CongestionAlgorithm.newReno.make(maximumSegmentSize: 1000).algorithm == .newReno)
        #expect(CongestionAlgorithm.cubic.make(maximumSegmentSize: 1000).algorithm == .cubic)
    }

    @Test func mssSetAfterTheHandshakeRecomputesTheInitialWindowOnlyBeforeTraffic() {
        let cc = NewReno(maximumSegmentSize: 536)
        #expect(cc.congestionWindow == 5360)
        cc.maximumSegmentSize = 1460                 // handshake done: IW(1460) = 14600
        #expect(cc.congestionWindow == 14600)
        ack(cc, 1460)                                 // slow start: 14600 + 1460 = 16060
        #expect(cc.congestionWindow == 16060)
        cc.maximumSegmentSize = 536                   // traffic has flowed: the window stays
        #expect(cc.congestionWindow == 16060)
        ack(cc, 1460)                                 // but growth uses the new SMSS: + min(1460, 536)
        #expect(cc.congestionWindow == 16596)
    }

    @Test func slowStartDoublesTheWindowEveryRoundTrip() {
        let cc = NewReno(maximumSegmentSize: 1000)
        var now = t0
        var windows = [cc.congestionWindow]
        for _ in 0..<3 {
            // A window of n segments comes back as n ACKs, each adding one SMSS: cwnd doubles.
            now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: rtt)
            windows.append(cc.congestionWindow)
        }
        #expect(windows == [10_000, 20_000, 40_000, 80_000])
    }

    @Test func slowStartCountsAtMostOneSMSSPerACK() {
        let cc = NewReno(maximumSegmentSize: 1000)
        ack(cc, 3000)                                 // RFC 3465 L = 1·SMSS: +1000, not +3000
        #expect(cc.congestionWindow == 11_000)
        ack(cc, 500)                                  // a small ACK adds what it ACKs
        #expect(cc.congestionWindow == 11_500)
        ack(cc, 0)                                    // nothing new: nothing changes
        #expect(cc.congestionWindow == 11_500)
    }

    @Test func slowStartStopsAtSsthreshAndAvoidanceTakesOver() {
        let cc = NewReno(maximumSegmentSize: 1000)
        cc.onEnterRecovery(bytesInFlight: 11_000, now: t0)    // ssthresh = max(5500, 2000) = 5500
        cc.onExitRecovery(bytesInFlight: 0, now: t0)          // cwnd = min(5500, max(0, 1000) + 1000) = 2000
        #expect(cc.slowStartThreshold == 5500)
        #expect(cc.congestionWindow == 2000)
        var windows: [Int] = []
        for _ in 0..<4 {
            ack(cc, 1000)
            windows.append(cc.congestionWindow)
        }
        // 3000, 4000, 5000, then min(6000, ssthresh) = 5500.
        #expect(windows == [3000, 4000, 5000, 5500])
        // Congestion avoidance now: 5500 bytes must be ACKed for one more SMSS.
        for _ in 0..<5 { ack(cc, 1000) }                        // 5000 counted
        #expect(cc.congestionWindow == 5500)
        ack(cc, 1000)                                            // 6000 ≥ 5500 → +1000, 500 carried
        #expect(cc.congestionWindow == 6500)
        #expect(cc.bytesAckedInAvoidance == 500)
    }

    @Test(arguments: [1000, 2000])
    func congestionAvoidanceGrowsOneSMSSPerRoundTrip(ackSize: Int) {
        // ACK every segment (1000) or every other one (2000, delayed ACKs): byte counting gives
        // the same growth. Round with cwnd = 5000 and 2000-byte ACKs: 2000, 4000, 5000 counted
        // → +1000 with nothing carried; 6000: 2000, 4000, 6000 → +1000; and so on.
        let cc = inAvoidance(at: 5000)
        #expect(cc.congestionWindow == 5000 && cc.slowStartThreshold == 5000)
        var now = t0
        var windows: [Int] = []
        for _ in 0..<5 {
            now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: rtt, ackSize: ackSize)
            windows.append(cc.congestionWindow)
        }
        #expect(windows == [6000, 7000, 8000, 9000, 10_000])
    }

    @Test func fastRecoveryHalvesTheFlightAndExitsWithoutABurst() {
        let cc = NewReno(maximumSegmentSize: 1460)           // IW 14600
        cc.onEnterRecovery(bytesInFlight: 14_600, now: t0)
        // RFC 5681 eq. 4: ssthresh = max(14600/2, 2·1460) = max(7300, 2920) = 7300; cwnd = 7300.
        #expect(cc.slowStartThreshold == 7300)
        #expect(cc.congestionWindow == 7300)
        // RFC 6582 step 3 (1): cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
        cc.onExitRecovery(bytesInFlight: 4380, now: t0)       // min(7300, 4380 + 1460 = 5840)
        #expect(cc.congestionWindow == 5840)
        cc.onExitRecovery(bytesInFlight: 8760, now: t0)       // min(7300, 10220) = 7300
        #expect(cc.congestionWindow == 7300)
        cc.onExitRecovery(bytesInFlight: 0, now: t0)          // min(7300, max(0, 1460) + 1460) = 2920
        #expect(cc.congestionWindow == 2920)

        let small = NewReno(maximumSegmentSize: 1460)
        small.onEnterRecovery(bytesInFlight: 2000, now: t0)  // max(1000, 2920) = 2920
        #expect(small.slowStartThreshold == 2920)
        #expect(small.congestionWindow == 2920)
    }

    @Test func timeoutCollapsesToOneSegmentAndHoldsSsthreshWhenRepeated() {
        let cc = NewReno(maximumSegmentSize: 1460)
        cc.onRetransmissionTimeout(bytesInFlight: 14_600, now: t0)
        // ssthresh = max(7300, 2920) = 7300; cwnd = loss window = 1 SMSS.
        #expect(cc.slowStartThreshold == 7300)
        #expect(cc.congestionWindow == 1460)
        // The same segment times out again before any ACK: ssthresh is held (RFC 5681 §3.1),
        // even though max(1460/2, 2920) = 2920 would follow from this call's flight.
        cc.onRetransmissionTimeout(bytesInFlight: 1460, now: t0)
        #expect(cc.slowStartThreshold == 7300)
        #expect(cc.congestionWindow == 1460)
        // Slow start again: 1460 → 2920; after that progress a new timeout reduces again:
        // max(2920/2, 2920) = 2920.
        ack(cc, 1460)
        #expect(cc.congestionWindow == 2920)
        cc.onRetransmissionTimeout(bytesInFlight: 2920, now: t0)
        #expect(cc.slowStartThreshold == 2920)
        #expect(cc.congestionWindow == 1460)
    }

    @Test func applicationLimitedACKsDoNotGrowTheWindow() {
        let cc = NewReno(maximumSegmentSize: 1000)
        for _ in 0..<5 { ack(cc, 1000, limited: true) }
        #expect(cc.congestionWindow == 10_000)               // slow start would have made 15 000
        ack(cc, 1000)
        #expect(cc.congestionWindow == 11_000)

        let avoiding = inAvoidance(at: 5000)
        for _ in 0..<10 { ack(avoiding, 1000, limited: true) }
        #expect(avoiding.congestionWindow == 5000)
        #expect(avoiding.bytesAckedInAvoidance == 0)         // limited ACKs are not even counted
        for _ in 0..<4 { ack(avoiding, 1000) }
        #expect(avoiding.congestionWindow == 5000)           // 4000 < 5000
        ack(avoiding, 1000)
        #expect(avoiding.congestionWindow == 6000)
    }

    @Test func idleRestartCapsTheWindowAtTheInitialWindow() {
        let cc = NewReno(maximumSegmentSize: 1000)
        CongestionHarness.slowStart(cc, to: 40_000)
        cc.onIdleRestart(now: t0)
        #expect(cc.congestionWindow == 10_000)               // min(IW 10 000, 40 000)
        #expect(cc.slowStartThreshold == Int.max)

        let small = inAvoidance(at: 5000)
        small.onIdleRestart(now: t0)
        #expect(small.congestionWindow == 5000)              // min(10 000, 5000)
        #expect(small.slowStartThreshold == 5000)
    }
}
