/// A fixed-capacity FIFO of bytes: the socket send buffer (unacknowledged and unsent data)
/// and the in-order receive buffer. Storage is allocated once; nothing here allocates per
/// segment.
struct ByteRing {
    private var storage: [UInt8]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = [UInt8](repeating: 0, count: max(1, capacity)) }

    var capacity: Int { storage.count }
    var freeSpace: Int { storage.count - count }
    var isEmpty: Bool { count == 0 }

    /// Appends as much of `bytes` as fits; returns how much that was.
    @discardableResult
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let accepted = min(bytes.count, freeSpace)
        guard accepted > 0 else { return 0 }
        let tail = (head + count) % storage.count
        let first = min(accepted, storage.count - tail)
        storage.withUnsafeMutableBytes { dst in
            dst.baseAddress!.advanced(by: tail).copyMemory(from: bytes.baseAddress!, byteCount: first)
            if accepted > first {
                dst.baseAddress!.copyMemory(from: bytes.baseAddress!.advanced(by: first), byteCount: accepted - first)
            }
        }
        count += accepted
        return accepted
    }

    /// Copies `length` bytes starting `offset` bytes past the head into `destination`.
    func copy(from offset: Int, length: Int, into destination: UnsafeMutableRawBufferPointer) {
        precondition(offset >= 0 && length >= 0 && offset + length <= count && length <= destination.count)
        guard length > 0 else { return }
        let start = (head + offset) % storage.count
        let first = min(length, storage.count - start)
        storage.withUnsafeBytes { src in
            destination.baseAddress!.copyMemory(from: src.baseAddress!.advanced(by: start), byteCount: first)
            if length > first {
                destination.baseAddress!.advanced(by: first).copyMemory(from: src.baseAddress!, byteCount: length - first)
            }
        }
    }

    /// Drops `length` bytes from the head.
    mutating func removeFirst(_ length: Int) {
        precondition(length >= 0 && length <= count)
        head = (head + length) % storage.count
        count -= length
        if count == 0 { head = 0 }
    }

    /// Moves up to `destination.count` bytes from the head into `destination`.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        let length = min(destination.count, count)
        copy(from: 0, length: length, into: destination)
        removeFirst(length)
        return length
    }
}
