import SmartNIC

extension Topology {
    /// The topology as a Graphviz DOT graph (`nicbed graph t.yaml | dot -Tsvg > t.svg`):
    /// hosts as boxes, routers as ellipses, switches as diamonds, each labelled with its
    /// interfaces' addresses; each link an edge with its interface names at its ends and, when
    /// set, its delay, loss, rate and a non-default MTU.
    ///
    /// Nodes and links come in file order and nothing else varies, so the same file always
    /// gives the same text (diffable, and testable as a whole).
    public func graphviz() -> String {
        var lines = ["graph \(Self.quoted(name)) {"]
        for node in nodes {
            let addresses = node.interfaces.compactMap { interface in
                interface.address.map { "\(interface.name) \($0)" }
            }
            let label = ([node.name] + addresses).joined(separator: "\n")
            lines.append("  \(Self.quoted(node.name)) [shape=\(Self.shape(node.kind)), label=\(Self.quoted(label))];")
        }
        for link in links {
            var attributes = ["taillabel=\(Self.quoted(link.a.interface))", "headlabel=\(Self.quoted(link.b.interface))"]
            let label = Self.label(link)
            if !label.isEmpty { attributes.append("label=\(Self.quoted(label))") }
            lines.append("  \(Self.quoted(link.a.node)) -- \(Self.quoted(link.b.node)) [\(attributes.joined(separator: ", "))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func shape(_ kind: NodeKind) -> String {
        switch kind {
        case .host: "box"
        case .router: "ellipse"
        case .switch: "diamond"
        case .linux: "box3d"
        case .external: "component"
        }
    }

    /// One line when both directions agree; else a line per direction that does something,
    /// named by its sending and receiving node (`h1→r1: 20ms`).
    private static func label(_ link: LinkSpec) -> String {
        var lines: [String] = []
        if link.aToB == link.bToA {
            let both = summary(link.aToB)
            if !both.isEmpty { lines.append(both) }
        } else {
            for (from, to, impairments) in [(link.a, link.b, link.aToB), (link.b, link.a, link.bToA)] {
                let one = summary(impairments)
                if !one.isEmpty { lines.append("\(from.node)→\(to.node): \(one)") }
            }
        }
        if link.mtu != InterfaceSpec.defaultMTU { lines.append("mtu \(link.mtu)") }
        return lines.joined(separator: "\n")
    }

    /// `20ms±5ms, 5% loss (burst 3), 50Mbit`; empty when none of these is set.
    private static func summary(_ impairments: Impairments) -> String {
        var parts: [String] = []
        if impairments.delay > .zero || impairments.jitter > .zero {
            let jitter = impairments.jitter > .zero ? "±\(Quantity.describe(impairments.jitter))" : ""
            parts.append(Quantity.describe(impairments.delay) + jitter)
        }
        if impairments.loss > 0 {
            let burst = impairments.lossBurst > 1 ? " (burst \(Quantity.describe(number: impairments.lossBurst)))" : ""
            parts.append("\(Quantity.describe(fraction: impairments.loss)) loss\(burst)")
        }
        if let rate = impairments.rate { parts.append(Quantity.describe(bitRate: rate)) }
        return parts.joined(separator: ", ")
    }

    /// A DOT string; `\n` in it is DOT's centred line break.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
