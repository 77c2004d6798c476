import Testing
import Topology

/// `capture:` under `defaults` and under a node.
@Suite("capture")
struct CaptureSettingsTests {
    @Test func offUnlessAsked() throws {
        let topology = try Topology.parse(yaml: pairYAML, sourcePath: "test.yaml")
        #expect(topology.nodes.map(\.capture) == [false, false])
    }

    @Test func nodeTurnsItOn() throws {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    capture: true")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.nodes.map(\.capture) == [false, true])
    }

    @Test func defaultsTurnItOnAndANodeOff() throws {
        let yaml = "defaults:\n  capture: true\n"
            + pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    capture: false")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.nodes.map(\.capture) == [true, false])
    }

    @Test func switchesCaptureToo() throws {
        let yaml = "name: t\nnodes:\n  s1: {kind: switch, capture: true}\n  h1: {kind: host}\nlinks:\n  - endpoints: [h1:eth0, s1:p1]\n"
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.node(named: "s1")?.capture == true)
    }

    @Test func captureThatIsNotABoolean() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    capture: yes")
        expectRefusal(yaml, line: 9, column: 14, field: "nodes.h2.capture", saying: "'yes' is not true or false; accepted: true or false")
    }

    @Test func defaultCaptureThatIsNotABoolean() {
        expectRefusal("defaults:\n  capture: on\n" + pairYAML, line: 2, column: 12, field: "defaults.capture",
                      saying: "'on' is not true or false; accepted: true or false")
    }

    @Test func unknownKeyUnderDefaultsListsTheNewOnes() {
        expectRefusal("defaults:\n  captures: true\n" + pairYAML, line: 2, column: 3, field: "defaults.captures",
                      saying: "unknown key 'captures'; accepted: underlay, nic, link, capture")
    }
}
