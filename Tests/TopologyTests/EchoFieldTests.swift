import Testing
import Topology

/// `echo:`, the UDP echo service of a host.
@Suite("the echo field")
struct EchoFieldTests {
    static func yaml(_ kind: String, _ line: String) -> String {
        """
        name: e
        nodes:
          a:
            kind: \(kind)
            \(line)
          b: {kind: host}
        links:
          - endpoints: [a:eth0, b:eth0]

        """
    }

    @Test func aHostRunsItWhenAsked() throws {
        let on = try Topology.parse(yaml: Self.yaml("host", "echo: true"), sourcePath: "test.yaml")
        #expect(on.node(named: "a")?.echo == true)
        #expect(on.node(named: "b")?.echo == false)
        let off = try Topology.parse(yaml: Self.yaml("host", "echo: false"), sourcePath: "test.yaml")
        #expect(off.node(named: "a")?.echo == false)
    }

    @Test func onlyAHostRunsIt() {
        expectRefusal(Self.yaml("router", "echo: true"), line: 5, column: 11, field: "nodes.a.echo", saying: "only a host runs the echo service")
    }

    @Test func itIsTrueOrFalse() {
        expectRefusal(Self.yaml("host", "echo: 7"), line: 5, column: 11, field: "nodes.a.echo", saying: "true (a UDP echo service on port 7")
    }
}
