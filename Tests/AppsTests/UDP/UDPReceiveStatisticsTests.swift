import Apps
import Testing
import Wire

/// The figures `udp-recv` reports, from probes whose arrivals the test chooses.
@Suite("UDP receive statistics")
struct UDPReceiveStatisticsTests {
    static func at(_ milliseconds: Double) -> Instant { Instant(nanoseconds: UInt64(milliseconds * 1e6)) }
    static func probe(_ sequence: UInt64, sentAt milliseconds: Double) -> UDPProbe {
        UDPProbe(sequence: sequence, sentAt: UInt64(milliseconds * 1e6))
    }

    @Test("a probe's header round-trips, and anything else is not a probe")
    func probeCodec() {
        let probe = UDPProbe(sequence: 0x1_0000_0002, sentAt: 123_456_789_012, isEnd: true)
        var bytes = [UInt8](repeating: 0xee, count: 40)
        bytes.withUnsafeMutableBytes { probe.emit(into: $0) }
        #expect(bytes.withUnsafeBytes { UDPProbe($0) } == probe)
        #expect(bytes.withUnsafeBytes { UDPProbe(UnsafeRawBufferPointer(rebasing: $0[..<23])) } == nil)
        bytes[0] = 0
        #expect(bytes.withUnsafeBytes { UDPProbe($0) } == nil)
    }

    @Test("loss, duplicates and reordering are counted as iperf3 counts them")
    func counts() {
        var statistics = UDPReceiveStatistics()
        // 0 1 3 2 2 5, then the end marker says 8 were sent: 4, 6 and 7 were lost.
        for (index, sequence) in [0, 1, 3, 2, 2, 5].enumerated() {
            statistics.record(Self.probe(UInt64(sequence), sentAt: Double(sequence)), length: 100, at: Self.at(Double(index) + 10))
        }
        #expect(statistics.received == 5)
        #expect(statistics.duplicates == 1)
        #expect(statistics.outOfOrder == 1)
        #expect(statistics.expected == 6)
        statistics.record(UDPProbe(sequence: 8, sentAt: 0, isEnd: true), length: 24, at: Self.at(20))
        #expect(statistics.expected == 8)
        #expect(statistics.lost == 3)
        #expect(statistics.lossPercent == 37.5)
        #expect(statistics.bytes == 500)
        #expect(statistics.summary.hasPrefix("5/8 datagrams, 3 lost (37.50%), 1 duplicates, 1 out of order, jitter"))
    }

    @Test("jitter follows RFC 3550: J += (|D| − J) / 16, whatever the clocks' offset")
    func jitter() {
        var statistics = UDPReceiveStatistics()
        // Sent every 10 ms; transit 5, 7, 5, 9 ms (the receiver's clock 1,000 s ahead).
        let transits = [5.0, 7, 5, 9]
        for (index, transit) in transits.enumerated() {
            let sent = Double(index) * 10
            statistics.record(Self.probe(UInt64(index), sentAt: sent), length: 100, at: Self.at(1_000_000 + sent + transit))
        }
        var expected = 0.0
        for (previous, next) in zip(transits, transits.dropFirst()) { expected += (abs(next - previous) - expected) / 16 }
        #expect(abs(statistics.jitterMilliseconds - expected) < 1e-9)
        #expect(statistics.lost == 0)
    }
}
