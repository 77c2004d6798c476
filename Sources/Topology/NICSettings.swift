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
