import Foundation
import SmartNIC

/// A `tcp-send` / `tcp-recv` pair between two nodes of a running test topology, and the NIC
/// figures the nodes report afterwards.
struct BulkTransfer {
    var sender: CommandResult
    var receiver: CommandResult

    var succeeded: Bool { sender.status == 0 && receiver.status == 0 }
    var description: String { "sender: \(sender.output) \(sender.error)\nreceiver: \(receiver.output) \(receiver.error)" }
}

extension TestRun {
    /// Sends `bytes` of the seeded pattern from `from` to `address` (where `to` listens), and
    /// waits (at most `seconds`) until the receiver has checked every byte.
    func transfer(bytes: Int, from: String = "h1", to: String = "h2", address: String = "10.0.0.2",
                  seed: Int = 77, port: Int = 5001, seconds: Double = 300) throws -> BulkTransfer {
        let receiver = try background(["exec", to, "tcp-recv", "-p", String(port), "--seed", String(seed), "-n", String(bytes)])
        // It must listen before the SYN comes, or the SYN is answered with RST.
        guard receiver.waitFor("listening on port \(port)") else {
            receiver.stop()
            throw CommandFailure("the receiver did not listen within 10 s:\n\(receiver.transcript)")
        }
        let sender = try nicbed("exec", from, "tcp-send", "-p", String(port), "--seed", String(seed), "-n", String(bytes), address,
                                seconds: seconds)
        return BulkTransfer(sender: sender, receiver: try receiver.wait(seconds: seconds))
    }

    /// What `nicbed exec NODE stats --json` reports for the node's NIC `port`.
    func nicReport(_ node: String, port: String) throws -> NICReport {
        try stats(node).nic(port)
    }
}
