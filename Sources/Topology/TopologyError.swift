/// A mistake in a topology file (or in a scenario, which is read the same way), placed
/// precisely enough for an editor to jump to it.
///
/// `field` is a dotted path from the document root, e.g. `nodes.h1.interfaces.eth0.address`;
/// sequence items are written `links[k]` with k 1-based, so `links[k]` is link id k.
/// `line` and `column` are 1-based and point at the offending value (at the key, for a key
/// that should not be there); 0 means unknown, and an unknown part is left out of
/// `description`, as is an empty `field` (for mistakes that concern the whole file).
public struct TopologyError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var field: String
    /// Says what is wrong and what would be accepted instead.
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `FILE:LINE:COLUMN: FIELD: MESSAGE`, the form compilers use, so terminals and editors
    /// turn it into a link.
    public var description: String {
        var text = file
        if line > 0 {
            text += ":\(line)"
            if column > 0 { text += ":\(column)" }
        }
        text += ": "
        if !field.isEmpty { text += "\(field): " }
        return text + message
    }
}
