/// The shapes of names. They end up in process titles, run directories and socket paths,
/// which is why they are short and plain ASCII.
enum Names {
    static let topologyAccepted = "1 to 24 of a-z, 0-9 and '-'"
    static let nodeAccepted = "a-z followed by up to 15 of a-z, 0-9 and '-'"
    static let interfaceAccepted = "a-z followed by up to 7 of a-z and 0-9"

    static func isTopologyName(_ name: String) -> Bool {
        (1...24).contains(name.unicodeScalars.count)
            && name.unicodeScalars.allSatisfy { isLower($0) || isDigit($0) || $0 == "-" }
    }

    static func isNodeName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, isLower(first), scalars.count <= 16 else { return false }
        return scalars.dropFirst().allSatisfy { isLower($0) || isDigit($0) || $0 == "-" }
    }

    static func isInterfaceName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, isLower(first), scalars.count <= 8 else { return false }
        return scalars.dropFirst().allSatisfy { isLower($0) || isDigit($0) }
    }

    /// A DNS name as the resolver accepts it: dot-separated labels of letters, digits and '-'.
    static func isHostName(_ name: String) -> Bool {
        guard (1...253).contains(name.unicodeScalars.count) else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.unicodeScalars.count) && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { isLower($0) || isDigit($0) || $0 == "-" || ("A"..."Z").contains($0) }
        }
    }

    private static func isLower(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) }
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
