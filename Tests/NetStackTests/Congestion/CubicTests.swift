import Testing
import NetStack
import Wire

/// RFC 9438 by hand. C = 0.4, β = 0.7, α_cubic = 3·0.3/1.7 = 0.529411…; SMSS = 1000 bytes so that
/// a segment count times 1000 is a byte count. Windows below are in segments unless they are
/// compared with `congestionWindow` (bytes).
@Suite("CUBIC congestion control (RFC 9438)")
struct CubicTests {
    let rtt: Duration = .milliseconds(100)

    /// Slow start from IW (10 segments) to `segments`, then a loss detected by duplicate ACKs
    /// and the end of its recovery with the reduced window still in flight:
    /// W_max = segments, ssthresh = cwnd = 0.7·segments.
    func afterLoss(at segments: Int, fastConvergence: Bool = true) -> Cubic {
        let cc = Cubic(maximumSegmentSize: 1000, fastConvergence: fastConvergence)
        CongestionHarness.slowStart(cc, to: segments * 1000)
        cc.onEnterRecovery(bytesInFlight: cc.congestionWindow, now: .zero)
        cc.onExitRecovery(bytesInFlight: cc.congestionWindow, now: .zero)
        return cc
    }

    func ack(_ cc: Cubic, at seconds: Double, rtt: Duration?, limited: Bool = false) {
        cc.onAcknowledged(newlyAcked: 1000, bytesInFlight: cc.congestionWindow, isCwndLimited: !limited,
                          now: CongestionHarness.instant(seconds: seconds), rtt: rtt)
    }

    @Test func lossKeepsSeventyPercentAndRemembersWMax() {
        let cc = afterLoss(at: 100)
        // §4.6: ssthresh = 100 000 · 0.7 = 70 000; cwnd = ssthresh; exit: min(70 000, 70 000 + 1000).
        #expect(cc.slowStartThreshold == 70_000)
        #expect(cc.congestionWindow == 70_000)
        #expect(cc.maximumWindowSegments == 100)
        #expect(cc.k == nil)                                 // the epoch starts at the next ACK

        // At least 2·SMSS: after a timeout (cwnd 1000) a loss gives max(700, 2000) = 2000.
        let tiny = Cubic(maximumSegmentSize: 1000)
        tiny.onRetransmissionTimeout(bytesInFlight: 10_000, now: .zero)
        tiny.onEnterRecovery(bytesInFlight: 1000, now: .zero)
        #expect(tiny.slowStartThreshold == 2000)
        #expect(tiny.congestionWindow == 2000)
    }

    @Test func kIsTheTimeToClimbBackToWMax() throws {
        let cc = afterLoss(at: 100)
        ack(cc, at: 1, rtt: rtt)                             // starts the epoch
        // K = ∛(W_max·(1 − β)/C) = ∛(100 · 0.3 / 0.4) = ∛75 = 4.217163326508746 s
        // (4.2171633² = 17.784467, · 4.2171633 = 75.0000).
        let k = try #require(cc.k)
        #expect(abs(k - 4.217163326508746) < 1e-9)
        // W_cubic(0) = 0.4·(−∛75)³ + 100 = −30 + 100 = 70 = cwnd_epoch; W_cubic(K) = W_max = 100.
        #expect(abs(try #require(cc.cubicWindowSegments(atSeconds: 0)) - 70) < 1e-9)
        #expect(abs(try #require(cc.cubicWindowSegments(atSeconds: k)) - 100) < 1e-9)
        // W_cubic(1): (1 − 4.2171633)² = 10.350140, · (−3.2171633) = −33.298090;
        // 0.4 · (−33.298090) + 100 = 86.680764.
        #expect(abs(try #require(cc.cubicWindowSegments(atSeconds: 1)) - 86.680764) < 1e-5)
    }

    @Test func firstACKsOfAnEpochByHand() {
        let cc = afterLoss(at: 100)
        // ACK 1 at t = 0: W_est = 70 + α·1/70 = 70 + 0.0075630 = 70.0075630.
        // W_cubic(0) = 70 < W_est → Reno-friendly region, cwnd = W_est = 70 007.56 bytes.
        ack(cc, at: 1.0, rtt: rtt)
        #expect(cc.congestionWindow == 70_007)
        #expect(abs((cc.renoFriendlyWindowSegments ?? 0) - 70.0075630) < 1e-6)
        // ACK 2 at t = 0.01 s: W_est = 70.0075630 + α/70.0075630 = 70.0151252.
        // W_cubic(0.01) = 0.4·(0.01 − 4.2171633)³ + 100 = 0.4·(−74.46773) + 100 = 70.21291 > W_est
        // → concave region. target = W_cubic(0.11) = 0.4·(−69.28288) + 100 = 72.28685
        // (within [cwnd, 1.5·cwnd]); cwnd += (72.28685 − 70.00756)/70.00756 = 0.0325579 segments
        // → 70 040.12 bytes.
        ack(cc, at: 1.01, rtt: rtt)
        #expect(cc.congestionWindow == 70_040)
        #expect(abs((cc.renoFriendlyWindowSegments ?? 0) - 70.0151252) < 1e-6)
    }

    @Test func windowIsBackAtWMaxWhenTIsK() throws {
        let cc = afterLoss(at: 100)
        let start = CongestionHarness.instant(seconds: 1)
        var now = CongestionHarness.round(cc, start: start, rtt: rtt, reportedRTT: rtt)
        let k = try #require(cc.k)
        var windowsBeforeK: [Int] = []
        while CongestionHarness.seconds(from: start, to: now) < k {
            windowsBeforeK.append(cc.congestionWindow)
            now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: rtt)
        }
        // Concave approach from below: never above W_max before K…
        #expect(windowsBeforeK.count == 42)                  // rounds ending at 0.1 … 4.2 s < K
        #expect(windowsBeforeK.allSatisfy { $0 < 100_000 })
        // …and at the first round boundary past K (t = 4.3 s) the window is W_max:
        // W_cubic(4.3) = 100 + 0.4·(0.083)³ = 100.0002 segments.
        #expect(abs(cc.congestionWindow - 100_000) <= 100)   // within 0.1 segment
    }

    @Test func growthIsConcaveBeforeKAndConvexAfter() {
        let cc = afterLoss(at: 100)
        let start = CongestionHarness.instant(seconds: 1)
        var now = start
        var windowAt: [Int] = [cc.congestionWindow]          // every 0.5 s
        for round in 1...55 {
            now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: rtt)
            if round % 5 == 0 { windowAt.append(cc.congestionWindow) }
        }
        let growth = zip(windowAt.dropFirst(), windowAt).map { $0 - $1 }
        // W_cubic at 0, 0.5, …, 5.5 s: 70, 79.5, 86.7, 92.0, 95.6, 98.0, 99.3, 99.85, 99.996,
        // 100.009, 100.19, 100.84: growth per half second 9.5, 7.2, 5.3, 3.7, 2.3, 1.3, 0.6,
        // 0.15 (concave, shrinking towards K = 4.22 s), then 0.01, 0.18, 0.65 (convex, growing).
        let concave = Array(growth[0..<8])
        let convex = Array(growth[8..<11])
        #expect(zip(concave, concave.dropFirst()).allSatisfy { $0 > $1 }, "concave: \(concave)")
        #expect(zip(convex, convex.dropFirst()).allSatisfy { $0 < $1 }, "convex: \(convex)")
        #expect(abs(Double(windowAt[2]) - 86_681) < 300)     // ≈ W_cubic(1.0) = 86.68 segments
        #expect(windowAt[11] > 100_500)                       // past W_max (≈ 100.84 at 5.5 s)
        // Still the cubic curve, not the Reno estimate (W_est ≈ 98.9 segments here).
        #expect(Double(cc.congestionWindow) > (cc.renoFriendlyWindowSegments ?? .infinity) * 1000)
    }

    @Test func renoFriendlyRegionWinsWhenTheRTTIsShort() throws {
        // W_max = 20 segments, RTT = 1 ms: K = ∛(20·0.3/0.4) = ∛15 = 2.466 s, far more than the
        // 0.1 s simulated. W_cubic(0.1) = 0.4·(0.1 − 2.466)³ + 20 = 14.70 segments.
        // W_est grows α = 0.529 segments per round trip until it reaches cwnd_prior = 20
        // ((20 − 14)/0.529 = 11.3 rounds), then 1 per round trip (≈ 88.7 rounds): ≈ 108.7 segments
        // (a little less, since a round ACKs ⌊cwnd⌋ segments while cwnd grows within it).
        let cc = afterLoss(at: 20)
        #expect(cc.congestionWindow == 14_000)
        let start = CongestionHarness.instant(seconds: 1)
        var now = start
        let short: Duration = .milliseconds(1)
        for _ in 0..<100 { now = CongestionHarness.round(cc, start: now, rtt: short, reportedRTT: short) }
        let cubic = try #require(cc.cubicWindowSegments(atSeconds: CongestionHarness.seconds(from: start, to: now)))
        #expect(abs(cubic - 14.70) < 0.01)
        let estimate = try #require(cc.renoFriendlyWindowSegments)
        #expect(cc.congestionWindow == Int(estimate * 1000))  // cwnd = W_est
        #expect(cc.congestionWindow > 100_000 && cc.congestionWindow < 109_000)
        // α switched to 1 once W_est passed 20 segments: 100 rounds at 0.529 would give only
        // 14 + 52.9 ≈ 67 segments.
        #expect(cc.congestionWindow > 70_000)
    }

    @Test func fastConvergenceLowersWMaxOnARepeatedLoss() throws {
        // Second loss right after the first, at cwnd 70 < W_max 100:
        // with fast convergence W_max = 70·(1 + 0.7)/2 = 59.5, otherwise W_max = 70.
        // ssthresh = 0.7·70 000 = 49 000 either way; the exit leaves cwnd = min(49 000, 50 000).
        // K = ∛((W_max − 49)/0.4): ∛26.25 = 2.97196 s with, ∛52.5 = 3.74444 s without.
        for (fast, wMax, k) in [(true, 59.5, 2.9719609763815646), (false, 70.0, 3.7444361936092534)] {
            let cc = afterLoss(at: 100, fastConvergence: fast)
            cc.onEnterRecovery(bytesInFlight: 70_000, now: .zero)
            cc.onExitRecovery(bytesInFlight: 49_000, now: .zero)
            #expect(cc.maximumWindowSegments == wMax)
            #expect(cc.slowStartThreshold == 49_000)
            #expect(cc.congestionWindow == 49_000)
            ack(cc, at: 1, rtt: rtt)
            #expect(abs(try #require(cc.k) - k) < 1e-9)
        }
    }

    @Test func lossAboveWMaxRemembersTheWindow() {
        // From 70 segments in congestion avoidance with RTT 100 ms the window passes W_max = 100
        // after K = 4.2 s; run to 5.5 s (≈ 100.8 segments) and lose there: W_max = cwnd.
        let cc = afterLoss(at: 100)
        var now = CongestionHarness.instant(seconds: 1)
        for _ in 0..<55 { now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: rtt) }
        let window = cc.congestionWindow
        #expect(window > 100_000)
        cc.onEnterRecovery(bytesInFlight: window, now: now)
        #expect(cc.maximumWindowSegments == Double(window) / 1000)
        #expect(cc.slowStartThreshold == window * 7 / 10)
    }

    @Test func timeoutCollapsesToOneSegmentAndRestartsTheCurveAtKZero() throws {
        let cc = Cubic(maximumSegmentSize: 1000)
        CongestionHarness.slowStart(cc, to: 100_000)
        cc.onRetransmissionTimeout(bytesInFlight: 100_000, now: .zero)
        // §4.8: ssthresh = 0.7·100 000 = 70 000 (β, not Reno's half); cwnd = 1 SMSS.
        #expect(cc.slowStartThreshold == 70_000)
        #expect(cc.congestionWindow == 1000)
        // The same segment times out again: ssthresh is held (not max(0.7·1000, 2000) = 2000).
        cc.onRetransmissionTimeout(bytesInFlight: 100_000, now: .zero)
        #expect(cc.slowStartThreshold == 70_000)
        #expect(cc.congestionWindow == 1000)
        // Slow start back to ssthresh: 69 ACKs of one segment each.
        for _ in 0..<69 { ack(cc, at: 0.5, rtt: rtt) }
        #expect(cc.congestionWindow == 70_000)
        // The first congestion-avoidance ACK starts an epoch with K = 0 and W_max = cwnd_epoch = 70.
        ack(cc, at: 1.0, rtt: rtt)
        #expect(try #require(cc.k) == 0)
        #expect(cc.maximumWindowSegments == 70)
        #expect(cc.congestionWindow == 70_007)               // Reno-friendly at t = 0, as above
        // t = 1 s: W_cubic(1) = 70 + 0.4·1³ = 70.4 > W_est = 70.01512 → convex region;
        // target = W_cubic(1.1) = 70 + 0.4·1.331 = 70.5324; cwnd += (70.5324 − 70.00756)/70.00756
        // = 0.0074969 segments → 70 015.06 bytes.
        ack(cc, at: 2.0, rtt: rtt)
        #expect(cc.congestionWindow == 70_015)

        // The W_max of an earlier loss is forgotten: loss at 100 segments (W_max = 100, cwnd 70),
        // then a timeout: ssthresh = 0.7·70 000 = 49 000, cwnd = 1000; 48 ACKs of slow start
        // reach 49 000; the epoch then has K = 0 and W_max = 49, not K = ∛((100 − 49)/0.4) = 5.03 s.
        let lossFirst = afterLoss(at: 100)
        lossFirst.onRetransmissionTimeout(bytesInFlight: 70_000, now: .zero)
        #expect(lossFirst.slowStartThreshold == 49_000)
        for _ in 0..<48 { ack(lossFirst, at: 0.5, rtt: rtt) }
        #expect(lossFirst.congestionWindow == 49_000)
        ack(lossFirst, at: 1.0, rtt: rtt)
        #expect(try #require(lossFirst.k) == 0)
        #expect(lossFirst.maximumWindowSegments == 49)
    }

    @Test func perACKGrowthIsCappedAtHalfAWindowPerRoundTrip() {
        // ACKs at t = 0 and, after a 10 s gap (not application-limited), at t = 10 s:
        // W_cubic(10.1) = 0.4·(10.1 − 4.2171633)³ + 100 = 0.4·203.60 + 100 = 181.44 segments,
        // above 1.5·cwnd = 1.5·70.0075630 = 105.0113, so target = 105.0113 and
        // cwnd += (105.0113 − 70.0075630)/70.0075630 = 0.5 segments → 70 507.56 bytes.
        // (Uncapped it would be + (181.44 − 70.01)/70.01 = 1.59 segments.)
        let cc = afterLoss(at: 100)
        ack(cc, at: 1.0, rtt: rtt)
        ack(cc, at: 11.0, rtt: rtt)
        #expect(cc.congestionWindow == 70_507)
    }

    @Test func applicationLimitedTimeDoesNotCountInT() {
        // Slow start: no growth while application-limited.
        let starting = Cubic(maximumSegmentSize: 1000)
        ack(starting, at: 0, rtt: rtt, limited: true)
        #expect(starting.congestionWindow == 10_000)

        // Twins in congestion avoidance. a: ACKs at 1.000 and 1.005 s. b: ACK at 1.000 s, then
        // application-limited from 1.005 s to 11.005 s, then an ACK: t = 11.005 − 10 − 1 = 0.005 s
        // again, so both end with the same window (70 038.67 bytes).
        let a = afterLoss(at: 100)
        let b = afterLoss(at: 100)
        ack(a, at: 1.0, rtt: rtt)
        ack(a, at: 1.005, rtt: rtt)
        ack(b, at: 1.0, rtt: rtt)
        ack(b, at: 1.005, rtt: rtt, limited: true)
        ack(b, at: 5.0, rtt: rtt, limited: true)
        #expect(b.congestionWindow == 70_007)                // nothing grew while limited
        ack(b, at: 11.005, rtt: rtt)
        #expect(a.congestionWindow == 70_038)
        #expect(b.congestionWindow == a.congestionWindow)
        // Had the 10 s counted, t = 10.005 s would put the target at 1.5·cwnd: cwnd += 0.5 SMSS.
    }

    @Test func withoutAnRTTEstimateTheRenoFriendlyWindowDrives() throws {
        let cc = afterLoss(at: 100)
        var now = CongestionHarness.instant(seconds: 1)
        for _ in 0..<10 { now = CongestionHarness.round(cc, start: now, rtt: rtt, reportedRTT: nil) }
        // W_est grows α·n/cwnd per round of n ≈ cwnd ACKs: 70 + 10·0.529 = 75.29 segments at
        // most (⌊cwnd⌋ ACKs per round make it slightly less). With an RTT the cubic curve would
        // be at W_cubic(1.0) ≈ 86.7 segments by now.
        #expect(cc.congestionWindow > 75_000 && cc.congestionWindow <= 75_294)
        #expect(cc.congestionWindow == Int(try #require(cc.renoFriendlyWindowSegments) * 1000))
    }

    @Test func idleRestartCapsAtTheInitialWindowAndEndsTheEpoch() {
        let cc = afterLoss(at: 100)
        ack(cc, at: 1, rtt: rtt)
        #expect(cc.k != nil)
        cc.onIdleRestart(now: CongestionHarness.instant(seconds: 30))
        #expect(cc.congestionWindow == 10_000)               // min(IW 10 000, 70 007)
        #expect(cc.k == nil)
        #expect(cc.slowStartThreshold == 70_000)
    }

    @Test func mssSetAfterTheHandshakeRecomputesTheInitialWindow() {
        let cc = Cubic(maximumSegmentSize: 536)
        #expect(cc.congestionWindow == 5360)
        cc.maximumSegmentSize = 8960
        #expect(cc.congestionWindow == 17_920)
    }
}
