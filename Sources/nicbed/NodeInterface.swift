import ArgumentParser

/// `NODE:IFACE` on the command line, e.g. `h1:eth0`.
struct NodeInterface: ExpressibleByArgument, CustomStringConvertible {
    var node: String
    var interface: String

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        node = String(parts[0])
        interface = String(parts[1])
    }

    var description: String { "\(node):\(interface)" }
    static var defaultCompletionKind: CompletionKind { .default }
}
