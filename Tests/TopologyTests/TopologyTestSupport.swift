import Testing
import Topology

/// A valid two-host topology whose lines the error tests refer to by number; h2:eth0 is
/// left to the plan, which gives it link 1's 10.0.1.2/24:
///
///     1 name: t
///     2 nodes:
///     3   h1:
///     4     kind: host
///     5     interfaces:
///     6       eth0: {address: 10.0.1.1/24}
///     7   h2:
///     8     kind: host
///     9 links:
///    10   - endpoints: [h1:eth0, h2:eth0]
let pairYAML = """
    name: t
    nodes:
      h1:
        kind: host
        interfaces:
          eth0: {address: 10.0.1.1/24}
      h2:
        kind: host
    links:
      - endpoints: [h1:eth0, h2:eth0]

    """

/// `pairYAML` with one piece of text replaced, which must occur exactly once.
func pairYAML(replacing old: String, with new: String,
              sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let pieces = pairYAML.components(separatedBy: old)
    #expect(pieces.count == 2, "'\(old)' should occur once in pairYAML", sourceLocation: sourceLocation)
    return pieces.joined(separator: new)
}

/// Parses `yaml` as `test.yaml`, expecting it to be refused at the given place. Every message
/// must say what is accepted, so that is checked here for all of them.
@discardableResult
func expectRefusal(_ yaml: String, line: Int, column: Int, field: String, saying fragment: String,
                   basePortOverride: UInt16? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) -> TopologyError? {
    do {
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml", basePortOverride: basePortOverride)
        Issue.record("expected a refusal, got topology '\(topology.name)'", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.file == "test.yaml", sourceLocation: sourceLocation)
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(error)", sourceLocation: sourceLocation)
        #expect(error.field == field, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains("; accepted: "), "\(error)", sourceLocation: sourceLocation)
        return error
    }
}

/// Two hosts cabled `count` times over link-only interfaces e1…eN, for tests about limits
/// that only many links reach. Link k is on line 7 + k.
func manyLinksYAML(_ count: Int, basePort: Int) -> String {
    var text = """
        name: many
        defaults:
          underlay: {base_port: \(basePort)}
        nodes:
          h1: {kind: host}
          h2: {kind: host}
        links:

        """
    for k in 1...count { text += "  - endpoints: [h1:e\(k), h2:e\(k)]\n" }
    return text
}
