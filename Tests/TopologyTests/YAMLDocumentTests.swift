import Testing
import Topology

/// The text-level mistakes: what Yams refuses, translated into topology errors.
@Suite struct YAMLDocumentTests {
    @Test func syntaxErrorKeepsYamsPosition() {
        // The flow mapping opened on line 2 is never closed; libyaml notices on line 3.
        let yaml = "name: t\nnodes: {h1: {kind: host}\nlinks: []\n"
        let error = expectRefusal(yaml, line: 3, column: 1, field: "", saying: "not valid YAML")
        #expect(error?.message.contains("line 2, column 8") == true)
    }

    @Test func tabIndentationIsASyntaxError() {
        let yaml = pairYAML(replacing: "    kind: host\n    interfaces:", with: "\tkind: host\n    interfaces:")
        expectRefusal(yaml, line: 4, column: 1, field: "", saying: "cannot start any token")
    }

    @Test func emptyFileHasNoDocument() {
        expectRefusal("# nothing here\n", line: 0, column: 0, field: "", saying: "no YAML document")
    }

    @Test func duplicateNodeNameIsReportedAtTheSecond() {
        let yaml = """
            name: t
            nodes:
              h1: {kind: host}
              h2: {kind: host}
              h1: {kind: host}
            links: []

            """
        expectRefusal(yaml, line: 5, column: 3, field: "nodes.h1", saying: "duplicate node name 'h1', first at line 3")
    }

    @Test func thirdCopyStillPointsAtTheSecond() {
        let yaml = "name: t\nnodes:\n  h1: {kind: host}\n  h1: {kind: host}\n  h1: {kind: host}\nlinks: []\n"
        expectRefusal(yaml, line: 4, column: 3, field: "nodes.h1", saying: "first at line 3")
    }

    @Test func duplicateInterfaceName() {
        let yaml = pairYAML(replacing: "      eth0: {address: 10.0.1.1/24}\n",
                            with: "      eth0: {address: 10.0.1.1/24}\n      eth0: {}\n")
        expectRefusal(yaml, line: 7, column: 7, field: "nodes.h1.interfaces.eth0",
                      saying: "duplicate interface name 'eth0'")
    }

    @Test func duplicateKeyOnOneLine() {
        let yaml = pairYAML(replacing: "{address: 10.0.1.1/24}", with: "{address: 10.0.1.1/24, address: 10.0.1.3/24}")
        expectRefusal(yaml, line: 6, column: 36, field: "nodes.h1.interfaces.eth0.address",
                      saying: "duplicate key 'address'")
    }

    @Test func duplicateKeyThatYamsTellsApartByTag() {
        // A quoted and a plain `null` are different YAML keys but the same node name.
        let yaml = "name: t\nnodes:\n  null: {kind: host}\n  \"null\": {kind: host}\nlinks: []\n"
        expectRefusal(yaml, line: 4, column: 3, field: "nodes.null", saying: "duplicate key 'null', first at line 3")
    }
}
