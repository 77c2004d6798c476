import SmartNIC
import Topology

/// `nic show|card-memory|checksum-lie IFACE …`: faults only an emulated card can have, set
/// while the node runs. `card-memory SIZE` shrinks (or restores) what the payload cache may
/// allocate: payloads already there stay, new ones fall back to host memory (counted as
/// fallbacks). `checksum-lie on` makes the card mark frames whose checksum it found bad as
/// good, so the host takes the damaged bytes.
enum NICCommand: NodeCommand {
    static let name = "nic"
    static let usage = "nic show IFACE | nic card-memory IFACE SIZE | nic checksum-lie IFACE on|off"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.count >= 2, ["show", "card-memory", "checksum-lie"].contains(arguments[0]) else { return usageError(context) }
        guard let port = context.port(named: arguments[1]) else {
            context.printError("nic: no interface '\(arguments[1])'; interfaces: \(context.interfaceNames)")
            context.exit(2)
            return
        }
        switch arguments[0] {
        case "card-memory":
            guard arguments.count == 3 else { return usageError(context) }
            guard let card = port.driver.card else {
                context.printError("nic: \(port.name) is a conventional card: it has no payload cache")
                context.exit(2)
                return
            }
            let bytes: Int
            do { bytes = try Quantity.byteSize(arguments[2]) } catch {
                context.printError("nic: \(error)")
                context.exit(2)
                return
            }
            guard bytes <= card.size else {
                context.printError("nic: \(port.name) has \(Quantity.describe(bytes: card.size)) of card memory; it can shrink, not grow")
                context.exit(2)
                return
            }
            card.usableBytes = bytes
        case "checksum-lie":
            guard arguments.count == 3, ["on", "off"].contains(arguments[2]) else { return usageError(context) }
            guard port.checksumOffload else {
                context.printError("nic: \(port.name) does not offload checksums: the host checks them itself, so the card has nothing to lie about")
                context.exit(2)
                return
            }
            port.marksBadChecksumsGood = arguments[2] == "on"
        default:
            guard arguments.count == 2 else { return usageError(context) }
        }
        show(port, in: context)
        context.exit(0)
    }

    static func show(_ port: NICPort, in context: CommandContext) {
        let driver = port.driver
        var words = ["\(port.name): \(driver.configuration.mode.rawValue)"]
        if let card = driver.card {
            words.append("card memory \(Quantity.describe(bytes: card.usableBytes)) usable of \(Quantity.describe(bytes: card.size)), \(Quantity.describe(bytes: card.allocatedBytes)) in use")
        }
        words.append("checksums \(port.checksumOffload ? (port.marksBadChecksumsGood ? "offloaded, bad ones marked good (fault)" : "offloaded") : "in software")")
        words.append("fallbacks \(driver.counters.receiveFallbacks) received, \(driver.counters.transmitFallbacks) sent")
        context.print(words.joined(separator: "; "))
    }

    private static func usageError(_ context: CommandContext) {
        context.printError("usage: \(usage)")
        context.exit(2)
    }
}
