import SmartNIC
import Topology

extension Topology {
    /// The same topology with every NIC in `mode` (`nicbed up --nic`): card memory and header
    /// prefix stay as the file sets them; checksum offload takes the mode's default.
    public func withNICMode(_ mode: NICMode) -> Topology {
        var copy = self
        for index in copy.nodes.indices {
            let nic = copy.nodes[index].nic
            copy.nodes[index].nic = NICConfiguration(mode: mode, cardMemory: nic.cardMemory, headerPrefix: nic.headerPrefix)
        }
        return copy
    }
}
