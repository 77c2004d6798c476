import Yams

/// Finds the second occurrence of a duplicated mapping key.
///
/// Yams refuses duplicate keys but reports the first occurrence, while the one the user
/// has just added, and wants to be shown, is usually a later one. Yams offers no way to
/// compose with duplicates allowed, so the first occurrence is masked in a copy of the text
/// with a placeholder of the same length (keeping every other position intact), and the
/// copy is composed again; the mapping holding the placeholder then holds the second one.
enum DuplicateKeyLocator {
    struct Occurrence: Equatable {
        var line: Int
        var column: Int
        /// Path of the mapping holding the key, as in `TopologyError.field`.
        var parentPath: String
    }

    /// Nil when the key cannot be found in the text as written (an escaped quoted key, an
    /// empty key); callers then fall back to the first occurrence.
    static func secondOccurrence(of key: String, firstAt first: Mark, in text: String) -> Occurrence? {
        var scalars = Array(text.unicodeScalars)
        // Several keys may be duplicated; each round masks the one Yams complains about,
        // remembering what it stood for, until the text composes.
        var masks: [String: String] = [:]
        var target = (key: key, mark: first)
        var firstPlaceholder: String?
        for round in 0..<64 {
            guard let placeholder = mask(target.key, at: target.mark, in: &scalars, round: round) else {
                return nil
            }
            masks[placeholder] = target.key
            if firstPlaceholder == nil { firstPlaceholder = placeholder }
            var masked = String.UnicodeScalarView()
            masked.append(contentsOf: scalars)
            do {
                guard let root = try Yams.compose(yaml: String(masked)), let firstPlaceholder else {
                    return nil
                }
                return find(key, besides: firstPlaceholder, masks: masks, in: root, path: "")
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                guard let next = duplicates.first else { return nil }
                target = (next, context.mark)
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Replaces the key written at `mark` (plain or simply quoted) with a placeholder of as
    /// many characters, made of a private-use character no real topology contains.
    private static func mask(_ key: String, at mark: Mark, in scalars: inout [Unicode.Scalar],
                             round: Int) -> String? {
        let keyScalars = Array(key.unicodeScalars)
        guard !keyScalars.isEmpty, let start = offset(of: mark, in: scalars),
              let filler = Unicode.Scalar(0xE000 + UInt32(round)) else { return nil }
        var begin = start
        if begin < scalars.count, scalars[begin] == "\"" || scalars[begin] == "'" { begin += 1 }
        guard begin + keyScalars.count <= scalars.count,
              Array(scalars[begin ..< begin + keyScalars.count]) == keyScalars else { return nil }
        let placeholder = Array(repeating: filler, count: keyScalars.count)
        scalars.replaceSubrange(begin ..< begin + keyScalars.count, with: placeholder)
        var text = String.UnicodeScalarView()
        text.append(contentsOf: placeholder)
        return String(text)
    }

    /// Index of the scalar at a libyaml mark: lines break at CR, LF, CRLF, NEL, LS and PS,
    /// and columns count scalars.
    private static func offset(of mark: Mark, in scalars: [Unicode.Scalar]) -> Int? {
        guard mark.line >= 1, mark.column >= 1 else { return nil }
        var line = 1
        var index = 0
        while line < mark.line {
            guard index < scalars.count else { return nil }
            switch scalars[index] {
            case "\r":
                if index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
                line += 1
            case "\n", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
            default:
                break
            }
            index += 1
        }
        let result = index + mark.column - 1
        return result < scalars.count ? result : nil
    }

    private static func find(_ key: String, besides placeholder: String, masks: [String: String],
                             in node: Yams.Node, path: String) -> Occurrence? {
        func join(_ name: String) -> String {
            let original = masks[name] ?? name
            return path.isEmpty ? original : "\(path).\(original)"
        }
        switch node {
        case .mapping(let mapping):
            if mapping.keys.contains(where: { $0.scalar?.string == placeholder }) {
                // Pairs keep file order, so the first other copy is the second occurrence.
                for (candidate, _) in mapping {
                    guard let name = candidate.scalar?.string, name != placeholder,
                          (masks[name] ?? name) == key, let mark = candidate.mark else { continue }
                    return Occurrence(line: mark.line, column: mark.column, parentPath: path)
                }
                return nil
            }
            for (child, value) in mapping {
                guard let name = child.scalar?.string else { continue }
                if let found = find(key, besides: placeholder, masks: masks, in: value, path: join(name)) {
                    return found
                }
            }
            return nil
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = find(key, besides: placeholder, masks: masks, in: item,
                                    path: "\(path)[\(index + 1)]") {
                    return found
                }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }
}
