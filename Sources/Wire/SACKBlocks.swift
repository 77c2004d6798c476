/// The SACK blocks of one segment, held inline: an option carries at most four (2 + 4 × 8 of
/// TCP's 40 option bytes), so a fixed array of four is all there can be. No heap allocation
/// per ACK, on either side.
public struct SACKBlocks: RandomAccessCollection, Equatable, Sendable, ExpressibleByArrayLiteral {
    public static let capacity = 4
    private var storage: (SACKBlock, SACKBlock, SACKBlock, SACKBlock)
    public private(set) var count: Int = 0

    public init() {
        let empty = SACKBlock(left: 0, right: 0)
        storage = (empty, empty, empty, empty)
    }

    /// The first four of `blocks`; the rest could never be sent.
    public init<S: Sequence>(_ blocks: S) where S.Element == SACKBlock {
        self.init()
        for block in blocks where count < Self.capacity { append(block) }
    }

    public init(arrayLiteral blocks: SACKBlock...) { self.init(blocks) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public var isFull: Bool { count == Self.capacity }

    public subscript(index: Int) -> SACKBlock {
        get {
            precondition(index >= 0 && index < count, "SACK block \(index) of \(count)")
            switch index {
            case 0: return storage.0
            case 1: return storage.1
            case 2: return storage.2
            default: return storage.3
            }
        }
        set {
            precondition(index >= 0 && index < count, "SACK block \(index) of \(count)")
            switch index {
            case 0: storage.0 = newValue
            case 1: storage.1 = newValue
            case 2: storage.2 = newValue
            default: storage.3 = newValue
            }
        }
    }

    /// Adds a block; one past the fourth is a programming error.
    public mutating func append(_ block: SACKBlock) {
        precondition(count < Self.capacity, "more than \(Self.capacity) SACK blocks")
        count += 1
        self[count - 1] = block
    }

    /// The first `length` blocks (fewer if there are fewer).
    public func prefix(_ length: Int) -> SACKBlocks {
        var copy = self
        copy.count = Swift.min(count, Swift.max(0, length))
        return copy
    }

    public static func == (l: SACKBlocks, r: SACKBlocks) -> Bool { l.elementsEqual(r) }
}
