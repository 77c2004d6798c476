import Yams

/// A YAML node with its field path and file, so that any check made on it can produce an
/// error that points back at it; the parsers (topologies, scenarios) never handle a bare
/// `Yams.Node`.
public struct YAMLField {
    public let node: Yams.Node
    public let path: String
    public let file: String

    public init(node: Yams.Node, path: String, file: String) {
        self.node = node
        self.path = path
        self.file = file
    }

    public func error(_ message: String) -> TopologyError {
        TopologyError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0,
                      field: path, message: message)
    }

    /// `problem; accepted: accepted` — the shape every message has, so none forgets the
    /// second half.
    public func error(_ problem: String, accepted: String) -> TopologyError {
        error("\(problem); accepted: \(accepted)")
    }

    public func wrongType(accepted: String) -> TopologyError {
        error("got \(summary)", accepted: accepted)
    }

    public func child(_ name: String, _ node: Yams.Node) -> YAMLField {
        YAMLField(node: node, path: path.isEmpty ? name : "\(path).\(name)", file: file)
    }

    /// Paths count sequence items from 1, so `links[k]` is link id k.
    public func item(_ index: Int, _ node: Yams.Node) -> YAMLField {
        YAMLField(node: node, path: "\(path)[\(index + 1)]", file: file)
    }

    /// An empty value (`key:`), `~` or `null`, written without quotes.
    public var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else {
            return false
        }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The node described in a few words, for "got …".
    public var summary: String {
        switch node {
        case .scalar(let scalar):
            if isNull { return "nothing" }
            let text = scalar.string
            return text.count <= 40 ? "'\(text)'" : "'\(text.prefix(40))…'"
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .alias: return "an alias"
        }
    }

    public func string(accepted: String) throws(TopologyError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw wrongType(accepted: accepted) }
        return scalar.string
    }

    public func sequence(accepted: String) throws(TopologyError) -> [YAMLField] {
        guard case .sequence(let sequence) = node else { throw wrongType(accepted: accepted) }
        return sequence.enumerated().map { item($0.offset, $0.element) }
    }

    /// A mapping whose keys are fixed field names; any other key is refused at the key,
    /// naming the keys that are accepted, because a misspelt optional field would otherwise
    /// be silently ignored.
    public func fields(accepting names: [String], accepted: String) throws(TopologyError) -> YAMLFields {
        let entries = try self.entries(accepted: accepted)
        for entry in entries where !names.contains(entry.name) {
            throw entry.key.error("unknown key '\(entry.name)'",
                                  accepted: names.joined(separator: ", "))
        }
        return YAMLFields(field: self, entries: entries)
    }

    /// A mapping whose keys are names the user chooses (nodes, interfaces), in file order.
    public func entries(accepted: String) throws(TopologyError) -> [YAMLEntry] {
        guard case .mapping(let mapping) = node else { throw wrongType(accepted: accepted) }
        var entries: [YAMLEntry] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw YAMLField(node: key, path: path, file: file)
                    .wrongType(accepted: "a plain name as the key")
            }
            // Yams refuses equal keys already, but tells `null` from `"null"` by tag, and
            // here both are the same name.
            if let earlier = entries.first(where: { $0.name == scalar.string }) {
                throw child(scalar.string, key).error(
                    "duplicate key '\(scalar.string)', first at line \(earlier.key.node.mark?.line ?? 0)",
                    accepted: "each key once")
            }
            entries.append(YAMLEntry(name: scalar.string, key: child(scalar.string, key),
                                     value: child(scalar.string, value)))
        }
        return entries
    }
}

/// One `key: value` pair; both halves carry the same path, so an error can point at
/// whichever half is wrong.
public struct YAMLEntry {
    public let name: String
    public let key: YAMLField
    public let value: YAMLField
}

/// The fields of a mapping, looked up by name.
public struct YAMLFields {
    public let field: YAMLField
    public let entries: [YAMLEntry]

    /// Nil when absent or empty: `gateway:` with nothing after it means no gateway.
    public func optional(_ name: String) -> YAMLField? {
        guard let entry = entries.first(where: { $0.name == name }), !entry.value.isNull else {
            return nil
        }
        return entry.value
    }

    /// The key itself, to point at a field whose presence is the mistake.
    public func key(_ name: String) -> YAMLField? {
        entries.first { $0.name == name }?.key
    }

    public func required(_ name: String, accepted: String) throws(TopologyError) -> YAMLField {
        guard let entry = entries.first(where: { $0.name == name }) else {
            // Nothing to point at but the mapping that lacks it.
            let missing = YAMLField(node: field.node, path: field.child(name, field.node).path,
                                    file: field.file)
            throw missing.error("missing", accepted: accepted)
        }
        if entry.value.isNull {
            throw entry.key.error("has no value", accepted: accepted)
        }
        return entry.value
    }
}
