import ArgumentParser
import Foundation
import Testbed
#if canImport(Glibc)
import Glibc
#endif

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside a node: ping, stats, addr, sockets, tcp-send, tcp-recv, fetch, serve, link, filter, nic, capture; in a linux node, any program.",
        discussion: """
        `nicbed exec NODE COMMAND --help` shows a command's usage. Examples:
          nicbed exec h1 ping -c 5 -t 2 10.0.2.1
          nicbed exec h1 stats --json
          nicbed exec h1 addr
          nicbed exec h1 sockets                   (TCP connections: cwnd, RTT, retransmissions)
          nicbed exec h2 tcp-recv -n 100M          (then, elsewhere)  nicbed exec h1 tcp-send -n 100M \
          10.0.2.1
          nicbed exec h2 fetch 10.0.1.1 /big.bin /big.bin
          nicbed exec h2 filter add eth0 nosyn tcp syn     (drop h2's connection attempts)
          nicbed exec h2 nic card-memory eth0 64KiB        (shrink h2's card while it runs)
        In a node of kind linux the command is any program, run in the node's network namespace (as \
        `ip netns exec`, so as root):
          nicbed exec l1 -- ping -c 3 10.0.1.1
          nicbed exec l1 -- curl -o /tmp/big.bin http://10.0.1.1/big.bin
        """)

    @Option(name: .customLong("run"), help: "The topology the node belongs to, when several are running.")
    var topologyName: String?

    @Argument(help: "The node's name.")
    var node: String

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String] = []

    func run() throws {
        // Ctrl-C must end a long command (the node stops it when this client goes away), even
        // when a parent started us with SIGINT blocked.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        try Self.run(arguments, on: node, runName: topologyName)
    }

    /// Runs a node command, streaming what it prints; a non-zero status becomes our exit code.
    /// In a linux node the program takes over this process and its terminal.
    static func run(_ arguments: [String], on node: String, runName: String?) throws {
        let status: Int32
        do {
            let (running, target) = try RunningTopology.locate(node: node, runName: runName)
            status = try running.exec(arguments, on: target, terminal: true,
                                      output: StandardStreams.output, error: StandardStreams.error)
        } catch {
            throw Failure(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// Unbuffered line output, so `nicbed exec h1 ping` shows each reply as it arrives.
enum StandardStreams {
    static func output(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    static func error(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
