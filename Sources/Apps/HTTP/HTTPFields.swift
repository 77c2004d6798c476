/// The field lines of a head, in the order they came, with case-insensitive lookup (RFC 9110
/// §5.1). Order and repetition are kept because they carry meaning for some fields (RFC 9110
/// §5.3) and because a head then serializes back as it was parsed.
public struct HTTPFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    private var fields: [Field] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { HTTPSyntax.equalsIgnoringCase($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { HTTPSyntax.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool {
        fields.contains { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    public mutating func append(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every line of `name` with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        append(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPSyntax.equalsIgnoringCase($0.name, name) }
    }

    /// Every value of a list-valued field (RFC 9110 §5.6.1), across all its lines, in order:
    /// `Connection: a, b` and two `Connection` lines mean the same.
    func listElements(_ name: String) -> [Substring] {
        values(name).flatMap(HTTPSyntax.listElements)
    }

    /// The field lines, each ending in CRLF, leaving out `excluded` names (the framing fields
    /// a head writes from its own properties).
    func serialize(into bytes: inout [UInt8], excluding excluded: [String]) {
        for field in fields where !excluded.contains(where: { HTTPSyntax.equalsIgnoringCase($0, field.name) }) {
            HTTPSyntax.appendToken(field.name, to: &bytes)
            bytes.append(HTTPSyntax.colon)
            bytes.append(HTTPSyntax.space)
            HTTPSyntax.appendFieldValue(field.value, to: &bytes)
            HTTPSyntax.appendLineEnd(to: &bytes)
        }
    }
}
