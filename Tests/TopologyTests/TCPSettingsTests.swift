import Testing
import Topology

@Suite("per-node TCP settings")
struct TCPSettingsTests {
    @Test func congestionControlIsNewRenoUnlessChosen() throws {
        let topology = try Topology.parse(yaml: pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    tcp: {congestion: cubic}"),
                                          sourcePath: "test.yaml")
        #expect(topology.node(named: "h1")?.congestion == .newReno)
        #expect(topology.node(named: "h2")?.congestion == .cubic)
    }

    @Test func unknownAlgorithmIsRefusedWithWhatIsAccepted() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    tcp: {congestion: bbr}")
        expectRefusal(yaml, line: 9, column: 23, field: "nodes.h2.tcp.congestion",
                      saying: "'bbr' is not a congestion control algorithm; accepted: newreno, cubic")
    }

    @Test func unknownTCPKeyIsRefused() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    tcp: {nagle: off}")
        expectRefusal(yaml, line: 9, column: 11, field: "nodes.h2.tcp.nagle", saying: "unknown key 'nagle'")
    }
}
