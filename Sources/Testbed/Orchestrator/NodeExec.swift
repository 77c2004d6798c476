import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands inside the nodes of a running topology, the way `nicbed exec` does, but
/// collecting what they print: for the commands that talk to many nodes (`stats`, `pingall`).
public enum NodeExec {
    public struct Result: Sendable {
        public var status: Int32
        public var output: [String]
        public var errors: [String]
    }

    public static func run(_ arguments: [String], on node: RunRecord.Node) throws(OrchestratorError) -> Result {
        if let namespace = node.namespace {
            guard geteuid() == 0 else {
                throw OrchestratorError("\(node.name) is a Linux network namespace (\(namespace)), and only root can run commands in it")
            }
            let ran = try SystemCommand.run(LinuxNamespace.execArguments(namespace: namespace, command: arguments))
            func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }
            return Result(status: ran.status, output: lines(ran.output), errors: lines(ran.error))
        }
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is an external node: nicbed cannot run commands in it")
        }
        var result = Result(status: 0, output: [], errors: [])
        do {
            result.status = try ControlClient.send(ControlRequest(command: .exec, arguments: arguments), to: node.socket) { response in
                if let line = response.output { result.output.append(line) }
                if let line = response.error { result.errors.append(line) }
            }
        } catch {
            throw OrchestratorError("\(node.name): \(error.description)")
        }
        return result
    }
}
