import Yams

/// Turns text into a YAML tree, translating Yams' errors into `TopologyError`s.
public enum YAMLDocument {
    static let syntaxAccepted = "YAML block or flow mappings and sequences, as in topologies/pair.yaml"

    /// The root node, or nil for a file with no document in it.
    public static func compose(_ text: String, file: String) throws(TopologyError) -> Yams.Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw translate(error, text: text, file: file)
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, field: "",
                                message: "cannot be read as YAML: \(error); accepted: \(syntaxAccepted)")
        }
    }

    private static func translate(_ error: YamlError, text: String, file: String) -> TopologyError {
        func syntax(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> TopologyError {
            // libyaml's context ("while parsing a block mapping") names where the construct
            // began, which is often the real culprit when indentation is off.
            let begun = context.map { " (\($0.text) that starts at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return TopologyError(file: file, line: mark.line, column: mark.column, field: "",
                                 message: "not valid YAML: \(problem)\(begun); accepted: \(syntaxAccepted)")
        }
        switch error {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            return syntax(mark, problem, context)
        case let .reader(problem, offset, _, _):
            let (line, column) = offset.map { position(ofCharacter: $0, in: text) } ?? (0, 0)
            return TopologyError(file: file, line: line, column: column, field: "",
                                 message: "not readable as YAML text: \(problem); accepted: UTF-8 text")
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKeyError(key: duplicates.first ?? "", first: context.mark,
                                     text: text, file: file)
        default:
            return TopologyError(file: file, line: 0, column: 0, field: "",
                                 message: "cannot be read as YAML: \(error); accepted: \(syntaxAccepted)")
        }
    }

    private static func duplicateKeyError(key: String, first: Mark, text: String,
                                          file: String) -> TopologyError {
        guard let second = DuplicateKeyLocator.secondOccurrence(of: key, firstAt: first, in: text) else {
            return TopologyError(file: file, line: first.line, column: first.column, field: key,
                                 message: "'\(key)' appears more than once in the same mapping (this is the first); accepted: each key once")
        }
        let parent = second.parentPath
        let depth = parent.split(separator: ".").count
        let what: String
        if parent == "nodes" {
            what = "node name"
        } else if depth == 3, parent.hasPrefix("nodes."), parent.hasSuffix(".interfaces") {
            what = "interface name"
        } else {
            what = "key"
        }
        let field = parent.isEmpty ? key : "\(parent).\(key)"
        return TopologyError(file: file, line: second.line, column: second.column, field: field,
                             message: "duplicate \(what) '\(key)', first at line \(first.line); accepted: each \(what) once")
    }

    /// 1-based line and column of the character at `offset`, which Yams counts in Characters.
    private static func position(ofCharacter offset: Int, in text: String) -> (Int, Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character.isNewline { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}
