import SmartNIC

/// A `nic:` block as written, under `defaults` or under a node: each value checked on its
/// own and kept with the place it was written, every field optional.
struct NICDraft {
    var mode: Written<NICMode>?
    var cardMemory: Written<Int>?
    var headerPrefix: Written<Int>?
    var checksumOffload: Written<Bool>?

    /// These settings with `node`'s laid over them field by field: a node that sets only
    /// `header_prefix` keeps the defaults' mode, card memory and checksum offload.
    func overridden(by node: NICDraft) -> NICDraft {
        NICDraft(mode: node.mode ?? mode,
                 cardMemory: node.cardMemory ?? cardMemory,
                 headerPrefix: node.headerPrefix ?? headerPrefix,
                 checksumOffload: node.checksumOffload ?? checksumOffload)
    }

    /// The node's NIC, `NICConfiguration`'s defaults filling in what neither the node nor
    /// `defaults.nic` sets. Refuses the one combination the card cannot run: a smart card
    /// without checksum offload, blamed on whichever field turned the offload off.
    func configuration(node: String) throws(TopologyError) -> NICConfiguration {
        let standard = NICConfiguration()
        let mode = self.mode?.value ?? standard.mode
        if mode == .smart, let offload = checksumOffload, !offload.value {
            let origin = self.mode.map { "set by \($0.field.path) at line \($0.field.node.mark?.line ?? 0)" }
                ?? "the default mode"
            throw offload.field.error(
                "\(node)'s NIC is smart (\(origin)), so checksum offload cannot be off: the smart card must compute checksums because the host never touches the payload",
                accepted: "true or leaving checksum_offload out with mode smart; false only with mode conventional")
        }
        return NICConfiguration(mode: mode,
                                cardMemory: cardMemory?.value ?? standard.cardMemory,
                                headerPrefix: headerPrefix?.value ?? standard.headerPrefix,
                                checksumOffload: checksumOffload?.value)
    }
}

/// Byte sizes as a topology writes them: `65536`, `64KiB`, `16MiB`, `4GiB` (powers of 1024),
/// or `100k`, `100K`, `3M`, `2G` (powers of 1000).
enum ByteSize {
    static let suffixes: [(suffix: String, multiplier: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
        ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000),
    ]

    static let accepted = "a plain integer number of bytes, or an integer followed by KiB, MiB, GiB (powers of 1024) or k, K, M, G (powers of 1000), e.g. 16MiB"

    enum Reading: Equatable {
        case bytes(Int)
        /// Written as a size, but negative or too large for an `Int`.
        case outOfRange
        case notASize
    }

    static func read(_ text: String) -> Reading {
        var digits = Substring(text)
        var multiplier = 1
        if let unit = suffixes.first(where: { text.hasSuffix($0.suffix) }) {
            digits = digits.dropLast(unit.suffix.count)
            multiplier = unit.multiplier
        }
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return .notASize
        }
        guard !negative, let count = Int(digits) else { return .outOfRange }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        return overflow ? .outOfRange : .bytes(bytes)
    }

    /// `bytes` in the largest binary unit that divides it exactly: 65536 is `64KiB`.
    static func describe(_ bytes: Int) -> String {
        for (suffix, multiplier) in suffixes.prefix(3).reversed()
        where bytes != 0 && bytes % multiplier == 0 {
            return "\(bytes / multiplier)\(suffix)"
        }
        return "\(bytes)"
    }
}
