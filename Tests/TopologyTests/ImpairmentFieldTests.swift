import SmartNIC
import Testing
import Topology

/// Setting one impairment from text, as `nicbed link set h1:eth0 loss 5%` will.
@Suite struct ImpairmentFieldTests {
    @Test func setsEachFieldAndLeavesTheRest() throws {
        var impairments = Impairments.none
        try ImpairmentField.set("delay", to: "20ms", in: &impairments)
        try ImpairmentField.set("jitter", to: "2ms", in: &impairments)
        try ImpairmentField.set("loss", to: "5%", in: &impairments)
        try ImpairmentField.set("burst", to: "3", in: &impairments)
        try ImpairmentField.set("duplicate", to: "1%", in: &impairments)
        try ImpairmentField.set("reorder", to: "0.5%", in: &impairments)
        try ImpairmentField.set("corrupt", to: "0.1%", in: &impairments)
        try ImpairmentField.set("rate", to: "50Mbit", in: &impairments)
        try ImpairmentField.set("queue", to: "64KiB", in: &impairments)
        #expect(impairments.delay == .milliseconds(20))
        #expect(impairments.jitter == .milliseconds(2))
        #expect(abs(impairments.loss - 0.05) < 1e-12)
        #expect(impairments.lossBurst == 3)
        #expect(abs(impairments.duplicate - 0.01) < 1e-12)
        #expect(abs(impairments.reorder - 0.005) < 1e-12)
        #expect(abs(impairments.corrupt - 0.001) < 1e-12)
        #expect(impairments.rate == 50_000_000)
        #expect(impairments.queueLimit == 64 << 10)
        #expect(ImpairmentField.allCases.map { $0.value(in: impairments) }
                    == ["20ms", "2ms", "5%", "3", "1%", "0.5%", "0.1%", "50Mbit", "64KiB"])
        #expect(ImpairmentField.allCases.map { $0.value(in: .none) }
                    == ["0", "0", "0%", "1", "0%", "0%", "0%", "none", "256KiB"])
    }

    @Test(arguments: ["none", "0"])
    func rateNoneRemovesTheLimit(text: String) throws {
        let limited = try Impairments.none.applying(field: "rate", value: "1Gbit")
        #expect(limited.rate == 1_000_000_000)
        #expect(try limited.applying(field: "rate", value: text).rate == nil)
    }

    @Test func applyingLeavesTheOriginalAlone() throws {
        let original = Impairments(delay: .milliseconds(5))
        let changed = try original.applying(field: "loss", value: "1%")
        #expect(original.loss == 0)
        #expect(changed.delay == .milliseconds(5))
        #expect(abs(changed.loss - 0.01) < 1e-12)
    }

    @Test func unknownFieldListsEveryFieldWithWhatItAccepts() {
        var impairments = Impairments.none
        do {
            try ImpairmentField.set("latency", to: "20ms", in: &impairments)
            Issue.record("latency was accepted")
        } catch {
            #expect(error.field == "latency")
            #expect(error.problem == "'latency' is not an impairment field")
            for field in ["delay (a duration", "jitter (", "loss (the share of frames lost, a percentage", "burst (a number ≥ 1",
                          "duplicate (", "reorder (", "corrupt (", "rate (a decimal number followed by bit",
                          "queue (a byte size"] {
                #expect(error.description.contains(field), "\(error)")
            }
            #expect(error.description.hasPrefix("latency: 'latency' is not an impairment field; accepted: delay ("))
        }
        #expect(impairments == .none)
    }

    @Test(arguments: [
        ("delay", "20", "delay: '20' has no unit; accepted: a duration up to 60s"),
        ("delay", "61s", "delay: '61s' is longer than 60s"),
        ("jitter", "fast", "jitter: 'fast' is not a duration"),
        ("loss", "5", "loss: '5' has no % sign; accepted: the share of frames lost, a percentage from 0% to 100%"),
        ("duplicate", "101%", "duplicate: '101%' is more than 100%"),
        ("burst", "0.5", "burst: '0.5' is less than 1; accepted: a number ≥ 1"),
        ("burst", "many", "burst: 'many' is not a number"),
        ("rate", "50Mbps", "rate: '50Mbps' is not a bit rate"),
        ("rate", "2Tbit", "rate: '2Tbit' is more than 1Tbit"),
        ("queue", "32", "queue: '32' is out of range; accepted: a byte size from 64 to 1GiB"),
        ("queue", "2GiB", "queue: '2GiB' (2147483648 bytes) is out of range"),
        ("queue", "big", "queue: 'big' is not a byte size"),
    ])
    func badValueSaysWhatTheFieldAccepts(field: String, value: String, message: String) {
        var impairments = Impairments(delay: .milliseconds(1))
        do {
            try ImpairmentField.set(field, to: value, in: &impairments)
            Issue.record("\(field) \(value) was accepted")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error)")
            #expect(error.field == field && error.value == value)
            #expect(error.accepted == ImpairmentField(rawValue: field)?.accepted)
        }
        #expect(impairments == Impairments(delay: .milliseconds(1)))
    }
}
