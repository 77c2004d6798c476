import Foundation
@testable import Scenarios
import Testing

/// What the runner reads out of the commands' output, and the reports it writes.
@Suite("scenario measurements and reports")
struct Measurements {
    static let ping = Step.Ping(from: "h1", to: "h2", count: 5, interval: .milliseconds(200), maximumLoss: 0.2, maximumRTT: .milliseconds(1))

    @Test func pingSummariesOfIputilsAndBusybox() {
        let iputils = "5 packets transmitted, 4 received, 20% packet loss, time 801ms\nrtt min/avg/max/mdev = 0.275/0.509/2.045/0.383 ms\n"
        let ok = ScenarioRunner.judgePing(iputils, Self.ping)
        #expect(ok.failure == nil && ok.measured == "loss 20% (4/5), rtt avg 0.509 ms", "\(ok)")
        let busybox = "3 packets transmitted, 1 packets received, 66% packet loss\nround-trip min/avg/max = 10.9/15.1/23.0 ms\n"
        let lossy = ScenarioRunner.judgePing(busybox, Self.ping)
        #expect(lossy.failure?.contains("expected loss at most 20%, measured 66.6") == true, "\(lossy)")
        let slow = ScenarioRunner.judgePing("2 packets transmitted, 2 received, 0% packet loss\nrtt min/avg/max/mdev = 1/3.5/6/1 ms\n", Self.ping)
        #expect(slow.failure == "expected an average rtt of at most 1ms, measured 3.5 ms", "\(slow)")
        #expect(ScenarioRunner.judgePing("connect: no route\n", Self.ping).failure == "ping printed no summary")
    }

    @Test func pingallResultsAndOutputWithoutThem() {
        let all = Step.PingAll(count: 1, maximumLoss: 0)
        #expect(ScenarioRunner.judgePingAll("h1 -> h2\n*** Results: 0% dropped (2/2 received)\n", all).measured == "0% dropped (2/2 received)")
        #expect(ScenarioRunner.judgePingAll("*** Results: 50% dropped (1/2 received)\n", all).failure == "expected at most 0% dropped, measured 50%")
        #expect(ScenarioRunner.judgePingAll("*** Results:\n", all).failure == "pingall printed no results", "a short line is no crash")
        #expect(ScenarioRunner.judgePingAll("", all).failure == "pingall printed no results")
    }

    @Test func copiesPassOnlyWithMatchingDigestsAndTheGoodput() {
        let copy = Step.Copy(from: "h1", to: "h2", source: .generated(bytes: 10), minimumGoodput: 100_000_000)
        let line = "h1:/a -> h2:/a: 67108864 bytes in 1.475 s, 364.0 Mbit/s; sha256 ab = ab"
        #expect(ScenarioRunner.judgeCopy(0, line, copy).failure == nil)
        #expect(ScenarioRunner.judgeCopy(1, "h1:/a -> h2:/a: 10 bytes in 1 s, 364.0 Mbit/s; sha256 ab != cd MISMATCH", copy)
            .failure?.hasPrefix("expected the same SHA-256 at both ends") == true)
        #expect(ScenarioRunner.judgeCopy(0, line.replacingOccurrences(of: "364.0", with: "12.5"), copy).failure
            == "expected a goodput of at least 100Mbit, measured 12.5 Mbit/s")
        #expect(ScenarioRunner.judgeCopy(1, "Error: h1 does not answer", copy).failure?.contains("without a result line") == true)
    }

    @Test func countersByPathAcrossPortsAndNICs() throws {
        let stats = """
        {"ports": {"h1:eth0": {"droppedLoss": 3, "receivedFrames": 10}, "h1:eth1": {"droppedLoss": 4, "receivedFrames": 1}},
         "nics": {"h1:eth0": {"mode": "smart", "counters": {"cpuCopiedBytes": 0}}, "h1:eth1": {"mode": "smart", "counters": {"cpuCopiedBytes": 7}}},
         "stack": {"forwarded": 12}, "learnedAddresses": 4}
        """
        let json = try JSONSerialization.jsonObject(with: Data(stats.utf8))
        func value(_ path: String) -> Int? { CounterPath.resolve(path.split(separator: ".").map(String.init), in: json) }
        #expect(value("port.droppedLoss") == 7)
        #expect(value("ports.h1:eth1.droppedLoss") == 4)
        #expect(value("nic.cpuCopiedBytes") == 7)
        #expect(value("nics.h1:eth0.cpuCopiedBytes") == 0)
        #expect(value("stack.forwarded") == 12)
        #expect(value("learnedAddresses") == 4)
        #expect(value("stack.nothing") == nil)
        #expect(value("nic.mode") == nil, "a string is no counter")
        let expectation = Step.Expectation(node: "h1", counter: "nic.cpuCopiedBytes", bound: .equals(0))
        #expect(ScenarioRunner.judgeCounter(stats, expectation).failure == "expected nic.cpuCopiedBytes = 0, measured 7")
    }

    @Test func junitEscapesAndCountsFailures() throws {
        let step = ScenarioReport.StepResult(number: 2, kind: "expect", summary: "expect h2 <x> & \"y\"", location: "f.yaml:5:5",
                                             outcome: .failed, measured: "x = 1", failure: "expected x = 0, measured 1", seconds: 0.5)
        let report = ScenarioReport(scenario: "s", file: "f.yaml", topology: "t.yaml", launcher: "local", passed: false, seconds: 1,
                                    steps: [step], error: nil, artifacts: "/tmp/a")
        let xml = JUnitReport.render([report])
        #expect(xml.contains("tests=\"1\" failures=\"1\""))
        #expect(xml.contains("name=\"02 expect h2 &lt;x&gt; &amp; &quot;y&quot;\""))
        #expect(xml.contains("<failure message=\"expected x = 0, measured 1\">"))
        #expect(JUnitReport.escape("a\u{1}b") == "a?b")
    }

    @Test func seededFilesAreTheSameForASeedAndDifferOtherwise() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seeded-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SeededFile.write(bytes: 3_000_001, seed: 7, to: "\(folder)/a")
        try SeededFile.write(bytes: 3_000_001, seed: 7, to: "\(folder)/b")
        try SeededFile.write(bytes: 3_000_001, seed: 8, to: "\(folder)/c")
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/a"))
        #expect(a.count == 3_000_001)
        #expect(a == (try Data(contentsOf: URL(fileURLWithPath: "\(folder)/b"))))
        #expect(a != (try Data(contentsOf: URL(fileURLWithPath: "\(folder)/c"))))
        #expect(Set(a.prefix(4096)).count > 200, "random-looking bytes")
    }
}
