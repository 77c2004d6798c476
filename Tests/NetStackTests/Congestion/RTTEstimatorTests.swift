import Testing
import NetStack
import Wire

/// RFC 6298 by hand. K = 4, alpha = 1/8, beta = 1/4 throughout.
@Suite("RTT estimator (RFC 6298)")
struct RTTEstimatorTests {
    @Test func beforeAnySampleTheInitialRTOIsUsed() {
        let estimator = RTTEstimator()
        #expect(estimator.smoothedRTT == nil)
        #expect(estimator.rttVariance == .zero)
        #expect(estimator.backoffShift == 0)
        // §2.1: RTO = 1 s until a sample arrives.
        #expect(estimator.retransmissionTimeout == .seconds(1))
        #expect(RTTEstimator(initialRTO: .seconds(3)).retransmissionTimeout == .seconds(3))
    }

    @Test func firstSampleSetsSRTTAndHalfOfItAsVariance() {
        var estimator = RTTEstimator()
        estimator.addSample(.milliseconds(100))
        // §2.2: SRTT = R = 100 ms; RTTVAR = R/2 = 50 ms;
        // RTO = SRTT + max(G, 4·RTTVAR) = 100 + max(1, 200) = 300 ms.
        #expect(estimator.smoothedRTT == .milliseconds(100))
        #expect(estimator.rttVariance == .milliseconds(50))
        #expect(estimator.retransmissionTimeout == .milliseconds(300))
    }

    @Test func secondSampleFollowsTheExponentialAverages() {
        var estimator = RTTEstimator()
        estimator.addSample(.milliseconds(100))
        estimator.addSample(.milliseconds(200))
        // §2.3, RTTVAR first (with the old SRTT):
        // RTTVAR = 3/4·50 + 1/4·|100 − 200| = 37.5 + 25 = 62.5 ms
        // SRTT   = 7/8·100 + 1/8·200 = 87.5 + 25 = 112.5 ms
        // RTO    = 112.5 + max(1, 4·62.5 = 250) = 362.5 ms
        #expect(estimator.rttVariance == .microseconds(62_500))
        #expect(estimator.smoothedRTT == .microseconds(112_500))
        #expect(estimator.retransmissionTimeout == .microseconds(362_500))

        // A third sample lower than SRTT: |112.5 − 80| = 32.5.
        // RTTVAR = 3/4·62.5 + 1/4·32.5 = 46.875 + 8.125 = 55 ms
        // SRTT   = 7/8·112.5 + 1/8·80 = 98.4375 + 10 = 108.4375 ms
        // RTO    = 108.4375 + 220 = 328.4375 ms
        estimator.addSample(.milliseconds(80))
        #expect(estimator.rttVariance == .milliseconds(55))
        #expect(estimator.smoothedRTT == .nanoseconds(108_437_500))
        #expect(estimator.retransmissionTimeout == .nanoseconds(328_437_500))
    }

    @Test func shortRoundTripsAreClampedToTheMinimumRTO() {
        var estimator = RTTEstimator(minimumRTO: .milliseconds(200))
        estimator.addSample(.milliseconds(10))
        // SRTT = 10, RTTVAR = 5 → 10 + max(1, 20) = 30 ms, below the 200 ms floor (§2.4).
        #expect(estimator.smoothedRTT == .milliseconds(10))
        #expect(estimator.baseRetransmissionTimeout == .milliseconds(200))
        #expect(estimator.retransmissionTimeout == .milliseconds(200))
        // Without the floor the raw value shows through.
        var unclamped = RTTEstimator(minimumRTO: .zero)
        unclamped.addSample(.milliseconds(10))
        #expect(unclamped.retransmissionTimeout == .milliseconds(30))
    }

    @Test func clockGranularityBoundsTheVarianceTerm() {
        var estimator = RTTEstimator(minimumRTO: .zero, clockGranularity: .milliseconds(50))
        estimator.addSample(.milliseconds(40))
        // SRTT = 40, RTTVAR = 20 → 40 + max(50, 80) = 120 ms.
        #expect(estimator.retransmissionTimeout == .milliseconds(120))
        // Two equal samples: RTTVAR = 3/4·20 = 15, then 3/4·15 = 11.25; 4·11.25 = 45 < G = 50,
        // SRTT stays 40 → RTO = 40 + 50 = 90 ms.
        estimator.addSample(.milliseconds(40))
        estimator.addSample(.milliseconds(40))
        #expect(estimator.rttVariance == .microseconds(11_250))
        #expect(estimator.retransmissionTimeout == .milliseconds(90))
    }

    @Test func longRoundTripsAreClampedToTheMaximumRTO() {
        var estimator = RTTEstimator()
        estimator.addSample(.seconds(50))
        // 50 s + 4·25 s = 150 s → 60 s (§2.5).
        #expect(estimator.retransmissionTimeout == .seconds(60))
    }

    @Test func backOffDoublesUpToTheMaximum() {
        var estimator = RTTEstimator(maximumRTO: .seconds(2))
        estimator.addSample(.milliseconds(100))                 // 300 ms, as above
        var seen: [Duration] = []
        for _ in 0..<5 {
            estimator.backOff()
            seen.append(estimator.retransmissionTimeout)
        }
        // §5.5: 600 ms, 1.2 s, 2.4 s → 2 s (the maximum), and it stays there.
        #expect(seen == [.milliseconds(600), .milliseconds(1200), .seconds(2), .seconds(2), .seconds(2)])
        #expect(estimator.backoffShift == 5)
        // SRTT and RTTVAR are untouched by a timeout.
        #expect(estimator.smoothedRTT == .milliseconds(100))
        #expect(estimator.rttVariance == .milliseconds(50))
    }

    @Test func backOffAppliesToTheInitialRTOAndToTheClampedValue() {
        var fresh = RTTEstimator()
        fresh.backOff()
        fresh.backOff()
        // 1 s · 2² = 4 s (a SYN retransmitted twice).
        #expect(fresh.retransmissionTimeout == .seconds(4))

        var short = RTTEstimator()
        short.addSample(.milliseconds(10))                      // 30 ms raw → 200 ms floor
        short.backOff()
        // The floor is applied first, then doubled: 400 ms, not 2·30 = 60 ms.
        #expect(short.retransmissionTimeout == .milliseconds(400))
    }

    @Test func aNewSampleCollapsesTheBackOff() {
        var estimator = RTTEstimator()
        estimator.addSample(.milliseconds(100))
        estimator.backOff()
        estimator.backOff()
        estimator.backOff()
        #expect(estimator.retransmissionTimeout == .milliseconds(2400))   // 300 · 2³
        estimator.addSample(.milliseconds(100))
        // RTTVAR = 3/4·50 + 1/4·0 = 37.5, SRTT = 100 → RTO = 100 + 150 = 250 ms, no back-off.
        #expect(estimator.backoffShift == 0)
        #expect(estimator.retransmissionTimeout == .milliseconds(250))
    }

    @Test func manyBackOffsNeitherOverflowNorExceedTheMaximum() {
        var estimator = RTTEstimator()
        for _ in 0..<200 { estimator.backOff() }
        #expect(estimator.backoffShift == 200)
        #expect(estimator.retransmissionTimeout == .seconds(60))
    }
}
