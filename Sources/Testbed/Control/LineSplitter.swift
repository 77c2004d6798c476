/// Splits a byte stream into lines. A line longer than `maximumLineLength` is an error, so a
/// client that never sends a newline cannot make a node buffer without bound.
public struct LineSplitter {
    let maximumLineLength: Int
    private var pending: [UInt8] = []

    public init(maximumLineLength: Int = 64 * 1024) { self.maximumLineLength = maximumLineLength }

    public struct LineTooLong: Error {}

    public mutating func append(_ bytes: UnsafeRawBufferPointer) throws -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maximumLineLength { throw LineTooLong() }
            }
        }
        return lines
    }
}
