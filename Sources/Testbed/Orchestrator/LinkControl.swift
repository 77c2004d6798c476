/// `nicbed link` and the web view's controls: one path from "take h1:eth0 down" to the node
/// that owns that end (or, for a linux or external node's end, our end facing it).
public enum LinkControl {
    public enum Action: String, Sendable, CaseIterable { case show, set, up, down }

    /// Runs the node's `link` command; its lines go to the handlers, a note about the far end
    /// (for a node with no NIC of ours) to `notice`. Returns the node command's exit status.
    public static func run(_ action: Action, node: String, interface: String, settings: [String], runName: String?,
                           notice: (String) -> Void, output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32 {
        var arguments = ["link", action.rawValue, interface]
        var target = node
        let far: (node: String, interface: String)?
        do { far = try Orchestrator.ourEndFacing(node: node, interface: interface, runName: runName) } catch let failure as OrchestratorError {
            throw failure
        } catch {
            throw OrchestratorError("\(error)")
        }
        if let far {
            // What l1:eth0 sends is impaired, and shown, as it arrives at our end.
            notice("\(node):\(interface) has no NIC of ours: its frames are impaired on arrival at \(far.node):\(far.interface)")
            target = far.node
            arguments = ["link", action.rawValue, far.interface] + (action == .set || action == .show ? ["--incoming"] : [])
        }
        let (running, located) = try RunningTopology.locate(node: target, runName: runName)
        return try running.exec(arguments + settings, on: located, output: output, error: error)
    }
}
