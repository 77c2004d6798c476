import SmartNIC
import Testing
import Topology

/// `pairYAML` with `lines` added to its link (on line 10), from line 11 on, each indented
/// four spaces, so `delay: X` puts X at column 12.
private func linkWith(_ lines: String...) -> String {
    pairYAML(replacing: "  - endpoints: [h1:eth0, h2:eth0]\n",
             with: "  - endpoints: [h1:eth0, h2:eth0]\n" + lines.map { "    \($0)\n" }.joined())
}

/// `pairYAML` with `defaults: {link: <block>}` in front, the block on line 2 (first key at
/// column 9); the link is then on line 12 and `lines` follow it from line 13.
private func defaultLink(_ block: String, link lines: String...) -> String {
    "defaults:\n  link: \(block)\n"
        + pairYAML(replacing: "  - endpoints: [h1:eth0, h2:eth0]\n",
                   with: "  - endpoints: [h1:eth0, h2:eth0]\n" + lines.map { "    \($0)\n" }.joined())
}

private func link(_ yaml: String) throws -> LinkSpec {
    let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
    return try #require(topology.links.first)
}

private func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) < 1e-12 }

@Suite("link impairments and MTU")
struct LinkSettingsTests {
    // MARK: What a link gets

    @Test func aLinkWithoutSettingsImpairsNothing() throws {
        let spec = try link(pairYAML)
        #expect(spec.aToB == .none && spec.bToA == .none)
        #expect(spec.mtu == 1500)
        let topology = try Topology.parse(yaml: pairYAML, sourcePath: "test.yaml")
        #expect(topology.nodes.flatMap(\.interfaces).map(\.mtu) == [1500, 1500])
    }

    @Test func everyFieldAppliesToBothDirections() throws {
        let spec = try link(linkWith("delay: 20ms", "jitter: 500us", "loss: 5%", "duplicate: 1%",
                                     "reorder: 0.5%", "corrupt: 0.1%", "rate: 50Mbit", "queue: 64KiB"))
        let expected = Impairments(delay: .milliseconds(20), jitter: .microseconds(500), loss: 0.05, lossBurst: 1,
                                   duplicate: 0.01, reorder: 0.005, corrupt: 0.001, rate: 50_000_000,
                                   queueLimit: 64 << 10)
        for direction in [spec.aToB, spec.bToA] {
            #expect(direction.delay == expected.delay && direction.jitter == expected.jitter)
            #expect(close(direction.loss, expected.loss) && direction.lossBurst == 1)
            #expect(close(direction.duplicate, expected.duplicate))
            #expect(close(direction.reorder, expected.reorder))
            #expect(close(direction.corrupt, expected.corrupt))
            #expect(direction.rate == expected.rate && direction.queueLimit == expected.queueLimit)
        }
        #expect(spec.aToB == spec.bToA)
    }

    @Test(arguments: [("20ms", Duration.milliseconds(20)), ("1.5ms", .microseconds(1500)),
                      ("500us", .microseconds(500)), ("1s", .seconds(1)), ("0", .zero), ("60s", .seconds(60))])
    func delays(text: String, duration: Duration) throws {
        #expect(try link(linkWith("delay: \(text)")).aToB.delay == duration)
    }

    @Test(arguments: [("50Mbit", 50_000_000), ("1Gbit", 1_000_000_000), ("100kbit", 100_000),
                      ("9600bit", 9600), ("1.5Mbit", 1_500_000)])
    func rates(text: String, bits: Int) throws {
        #expect(try link(linkWith("rate: \(text)")).bToA.rate == bits)
    }

    @Test(arguments: ["none", "0"])
    func rateNoneIsNoLimit(text: String) throws {
        #expect(try link(defaultLink("{rate: 1Gbit}", link: "rate: \(text)")).aToB.rate == nil)
    }

    @Test(arguments: [("256KiB", 256 << 10), ("1M", 1_000_000), ("100000", 100_000), ("1514", 1514)])
    func queues(text: String, bytes: Int) throws {
        #expect(try link(linkWith("rate: 10Mbit", "queue: \(text)")).aToB.queueLimit == bytes)
    }

    @Test func queueDefaultsToTheImpairmentsDefault() throws {
        #expect(try link(linkWith("rate: 10Mbit")).aToB.queueLimit == 256 * 1024)
    }

    @Test func lossWithBursts() throws {
        let spec = try link(linkWith("loss: {percent: 2%, burst: 3}"))
        #expect(close(spec.aToB.loss, 0.02) && spec.aToB.lossBurst == 3)
        #expect(spec.aToB == spec.bToA)
        let block = try link(linkWith("loss:", "  percent: 0.5%", "  burst: 1.5"))
        #expect(close(block.bToA.loss, 0.005) && block.bToA.lossBurst == 1.5)
        let plain = try link(linkWith("loss: {percent: 2%}"))
        #expect(plain.aToB.lossBurst == 1)
    }

    @Test(arguments: [576, 1500, 9000])
    func mtuGoesToBothEnds(mtu: Int) throws {
        let topology = try Topology.parse(yaml: linkWith("mtu: \(mtu)"), sourcePath: "test.yaml")
        #expect(topology.links[0].mtu == mtu)
        #expect(topology.nodes.flatMap(\.interfaces).map(\.mtu) == [mtu, mtu])
    }

    @Test func egressOverridesOneDirectionFieldByField() throws {
        let spec = try link(linkWith("delay: 10ms", "rate: 100Mbit", "egress:", "  h2:eth0: {delay: 50ms, loss: 1%}"))
        // h1 sends with the link's settings; h2 with its own delay and loss and the link's rate.
        #expect(spec.aToB == Impairments(delay: .milliseconds(10), rate: 100_000_000))
        #expect(spec.bToA.delay == .milliseconds(50) && close(spec.bToA.loss, 0.01))
        #expect(spec.bToA.rate == 100_000_000)
        #expect(spec.impairments(sentBy: Endpoint(node: "h2", interface: "eth0")) == spec.bToA)
        #expect(spec.impairments(sentBy: Endpoint(node: "h1", interface: "eth0")) == spec.aToB)
        #expect(spec.impairments(sentBy: Endpoint(node: "h1", interface: "eth1")) == nil)
    }

    @Test func egressForBothEndsInFlowStyle() throws {
        let spec = try link(linkWith("egress: {h1:eth0: {rate: 1Mbit}, h2:eth0: {rate: 2Mbit, queue: 16KiB}}"))
        #expect(spec.aToB == Impairments(rate: 1_000_000))
        #expect(spec.bToA == Impairments(rate: 2_000_000, queueLimit: 16 << 10))
    }

    @Test func emptyEgressEntryChangesNothing() throws {
        let spec = try link(linkWith("delay: 1ms", "egress:", "  h1:eth0:"))
        #expect(spec.aToB == spec.bToA)
    }

    @Test func defaultsApplyToEveryLinkAndLinksOverrideFieldByField() throws {
        let yaml = """
            defaults:
              link: {delay: 10ms, loss: {percent: 2%, burst: 4}, rate: 1Gbit, mtu: 9000}
            name: t
            nodes:
              a: {kind: host}
              b: {kind: host}
            links:
              - endpoints: [a:eth0, b:eth0]
              - endpoints: [a:eth1, b:eth1]
                delay: 30ms
                mtu: 1500
              - endpoints: [a:eth2, b:eth2]
                loss: 1%

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let (first, second, third) = (topology.links[0], topology.links[1], topology.links[2])
        #expect(first.aToB == Impairments(delay: .milliseconds(10), loss: 0.02, lossBurst: 4, rate: 1_000_000_000))
        #expect(first.mtu == 9000)
        #expect(second.aToB == Impairments(delay: .milliseconds(30), loss: 0.02, lossBurst: 4, rate: 1_000_000_000))
        #expect(second.mtu == 1500)
        // A plain loss means independent loss, whatever the defaults said about bursts.
        #expect(third.bToA == Impairments(delay: .milliseconds(10), loss: 0.01, lossBurst: 1, rate: 1_000_000_000))
        #expect(topology.node(named: "a")?.interfaces.map(\.mtu) == [9000, 1500, 9000])
    }

    @Test func egressOverridesDefaultsToo() throws {
        let spec = try link(defaultLink("{delay: 10ms}", link: "egress: {h1:eth0: {delay: 0}}"))
        #expect(spec.aToB.delay == .zero)
        #expect(spec.bToA.delay == .milliseconds(10))
    }

    @Test func linkSpecsCompareAndHashByEveryField() {
        let base = LinkSpec(id: 1, a: Endpoint(node: "a", interface: "eth0"), b: Endpoint(node: "b", interface: "eth0"))
        var slower = base
        slower.bToA.delay = .milliseconds(1)
        #expect(base != slower)
        #expect(Set([base, slower, base]).count == 2)
    }

    // MARK: Mistakes, each refused where it was written

    @Test func delayWithoutUnit() {
        expectRefusal(linkWith("delay: 20"), line: 11, column: 12, field: "links[1].delay",
                      saying: "'20' has no unit; accepted: a duration up to 60s: a decimal number followed by s, ms, us (or µs) or ns")
    }

    @Test func delayInMinutes() {
        expectRefusal(linkWith("delay: 2min"), line: 11, column: 12, field: "links[1].delay",
                      saying: "'2min' is not a duration")
    }

    @Test func delayOverAMinute() {
        expectRefusal(linkWith("delay: 90s"), line: 11, column: 12, field: "links[1].delay",
                      saying: "'90s' is longer than 60s; accepted: a duration up to 60s")
    }

    @Test func jitterGivenAsAList() {
        expectRefusal(linkWith("jitter: [1ms, 2ms]"), line: 11, column: 13, field: "links[1].jitter",
                      saying: "got a sequence; accepted: a duration up to 60s (uniform extra delay")
    }

    @Test func lossWithoutPercentSign() {
        expectRefusal(linkWith("loss: 5"), line: 11, column: 11, field: "links[1].loss",
                      saying: "'5' has no % sign; accepted: a percentage from 0% to 100%, e.g. 5% or 0.5%, or a mapping {percent: 5%, burst: 3}")
    }

    @Test func lossOverAHundredPercent() {
        expectRefusal(linkWith("loss: 150%"), line: 11, column: 11, field: "links[1].loss",
                      saying: "'150%' is more than 100%")
    }

    @Test func burstBelowOne() {
        expectRefusal(linkWith("loss: {percent: 5%, burst: 0.5}"), line: 11, column: 32, field: "links[1].loss.burst",
                      saying: "'0.5' is less than 1; accepted: a number ≥ 1, the mean length of a run of lost frames")
    }

    @Test func lossMappingWithoutPercent() {
        expectRefusal(linkWith("loss: {burst: 3}"), line: 11, column: 11, field: "links[1].loss.percent",
                      saying: "missing; accepted: the share of frames lost, a percentage from 0% to 100%")
    }

    @Test func unknownKeyInLossMapping() {
        expectRefusal(linkWith("loss: {percent: 5%, bursts: 3}"), line: 11, column: 25, field: "links[1].loss.bursts",
                      saying: "unknown key 'bursts'; accepted: percent, burst")
    }

    @Test func duplicateAsAFraction() {
        expectRefusal(linkWith("duplicate: 0.01"), line: 11, column: 16, field: "links[1].duplicate",
                      saying: "'0.01' has no % sign")
    }

    @Test func corruptNotAPercentage() {
        expectRefusal(linkWith("corrupt: some"), line: 11, column: 14, field: "links[1].corrupt",
                      saying: "'some' is not a percentage")
    }

    @Test func rateInBytesPerSecond() {
        expectRefusal(linkWith("rate: 50Mbps"), line: 11, column: 11, field: "links[1].rate",
                      saying: "'50Mbps' is not a bit rate; accepted: a decimal number followed by bit, kbit, Mbit, Gbit or Tbit")
    }

    @Test func rateOverATerabit() {
        expectRefusal(linkWith("rate: 2Tbit"), line: 11, column: 11, field: "links[1].rate",
                      saying: "'2Tbit' is more than 1Tbit")
    }

    @Test func queueThatIsNotASize() {
        expectRefusal(linkWith("queue: 1MB"), line: 11, column: 12, field: "links[1].queue",
                      saying: "'1MB' is not a byte size; accepted: a byte size from 64 to 1GiB")
    }

    @Test func queueSmallerThanAFrame() {
        expectRefusal(linkWith("mtu: 9000", "rate: 1Mbit", "queue: 8KiB"), line: 13, column: 12, field: "links[1].queue",
                      saying: "a queue of 8192 bytes cannot hold one full-size frame of link 1 (9014 bytes: mtu 9000 and the 14-byte Ethernet header), so the rate limiter would drop every such frame; accepted: a queue of at least 9014 bytes")
    }

    @Test func queueFromDefaultsSmallerThanALinksFrame() {
        expectRefusal(defaultLink("{queue: 1000}"), line: 2, column: 17, field: "defaults.link.queue",
                      saying: "a queue of 1000 bytes cannot hold one full-size frame of link 1 (1514 bytes")
    }

    @Test(arguments: ["9001", "575", "0", "-1500"])
    func mtuOutOfRange(text: String) {
        expectRefusal(linkWith("mtu: \(text)"), line: 11, column: 10, field: "links[1].mtu",
                      saying: "'\(text)' is out of range; accepted: an integer number of bytes in 576...9000")
    }

    @Test func mtuWithAUnit() {
        expectRefusal(linkWith("mtu: 1500B"), line: 11, column: 10, field: "links[1].mtu",
                      saying: "'1500B' is not an integer; accepted: an integer number of bytes in 576...9000")
    }

    @Test func unknownKeyInALinkListsTheFields() {
        expectRefusal(linkWith("latency: 20ms"), line: 11, column: 5, field: "links[1].latency",
                      saying: "unknown key 'latency'; accepted: endpoints, delay, jitter, loss, duplicate, reorder, corrupt, rate, queue, mtu, egress")
    }

    @Test func egressForAnInterfaceNotOnTheLink() {
        expectRefusal(linkWith("egress: {h1:eth1: {delay: 1ms}}"), line: 11, column: 14, field: "links[1].egress.h1:eth1",
                      saying: "'h1:eth1' is not an end of this link; accepted: h1:eth0 or h2:eth0")
    }

    @Test func egressKeyThatIsNotAnEndpoint() {
        expectRefusal(linkWith("egress:", "  h1: {delay: 1ms}"), line: 12, column: 7, field: "links[1].egress.h1",
                      saying: "'h1' is not node:iface")
    }

    @Test func egressWithMTU() {
        expectRefusal(linkWith("egress: {h2:eth0: {mtu: 9000}}"), line: 11, column: 24, field: "links[1].egress.h2:eth0.mtu",
                      saying: "mtu cannot differ by direction: both ends of a link share it; accepted: mtu on the link itself")
    }

    @Test func unknownKeyUnderEgress() {
        expectRefusal(linkWith("egress:", "  h2:eth0:", "    latency: 5ms"), line: 13, column: 9,
                      field: "links[1].egress.h2:eth0.latency",
                      saying: "unknown key 'latency'; accepted: delay, jitter, loss, duplicate, reorder, corrupt, rate, queue")
    }

    @Test func egressGivenAsAList() {
        expectRefusal(linkWith("egress: [h1:eth0]"), line: 11, column: 13, field: "links[1].egress",
                      saying: "got a sequence; accepted: a mapping from one or both of the link's endpoints")
    }

    @Test func endpointsUnderDefaults() {
        expectRefusal(defaultLink("{endpoints: [h1:eth0, h2:eth0]}"), line: 2, column: 10, field: "defaults.link.endpoints",
                      saying: "unknown key 'endpoints'; accepted: delay, jitter, loss, duplicate, reorder, corrupt, rate, queue, mtu")
    }

    @Test func badDelayUnderDefaults() {
        expectRefusal(defaultLink("{delay: 5 ms}"), line: 2, column: 17, field: "defaults.link.delay",
                      saying: "'5 ms' is not a duration")
    }
}
