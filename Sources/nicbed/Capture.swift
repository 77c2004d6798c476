import Apps
import ArgumentParser
import Foundation
import Testbed
import Wire
#if canImport(Glibc)
import Glibc
#endif

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record one interface of a running node: live to standard output or a file, or to the run directory.",
        discussion: """
        With -w, frames stream as they cross the interface until Ctrl-C (or until the reader closes \
        the pipe); `-w -` writes pcap to standard output:
          nicbed capture -w - h1:eth0 | tshark -r - -c 10
          nicbed capture -w - h1:eth0 | wireshark -k -i -
          nicbed capture -w h1.pcap --filter 'tcp and port 80' h1:eth0
        A filter is a small part of tcpdump's language: ip, arp, icmp, tcp, udp; host A, net A/N, port \
        N, each optionally after src or dst; and, or, not, parentheses.

        Without -w, the node records to <run dir>/<node>-<iface>.pcap until `--stop` (`nicbed up \
        --capture`, or `capture: true` in the topology, records every interface from the start). The \
        node flushes the file five times a second, so it can be read while it grows:
          nicbed capture h1:eth0
          nicbed capture --stop h1:eth0

        For a linux or external node, which has no NIC of ours, the frames are recorded at the other \
        end of the link (the same frames, less those lost on their way in).
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Option(name: .customShort("w"), help: ArgumentHelp("Stream to FILE, or to standard output with -.", valueName: "FILE"))
    var write: String?

    @Option(help: ArgumentHelp("Only frames that match, e.g. tcp, 'host 10.0.1.1', 'udp and not port 53' (with -w).", valueName: "EXPR"))
    var filter: String?

    @Flag(help: "Stop recording to the run directory instead.")
    var stop = false

    @Argument(help: "NODE:IFACE, e.g. h1:eth0.")
    var end: NodeInterface

    func validate() throws {
        if filter != nil && write == nil {
            throw ValidationError("--filter applies to a live capture (-w FILE or -w -); the run directory's capture records every frame")
        }
        if stop && write != nil { throw ValidationError("--stop ends a capture to the run directory; a live capture (-w) ends with Ctrl-C") }
        if let filter {
            do { _ = try FrameFilter.parse(filter) } catch { throw ValidationError(error.description) }
        }
        if write == "-" && isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("-w - writes pcap, not text: pipe it into a reader (| tshark -r -, | wireshark -k -i -) or give a file")
        }
        if let write, write != "-", FileManager.default.fileExists(atPath: write) {
            throw ValidationError("\(write) exists; remove it or name another file (a capture never overwrites one)")
        }
    }

    func run() throws {
        var (node, interface) = (end.node, end.interface)
        do {
            if let far = try Orchestrator.ourEndFacing(node: node, interface: interface, runName: topologyName) {
                StandardStreams.error("\(end) has no NIC of ours: recording at \(far.node):\(far.interface)")
                (node, interface) = far
            }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
        guard let write else {
            try Exec.run(["capture", stop ? "stop" : "start", interface], on: node, runName: topologyName)
            return
        }
        try streamLive(node: node, interface: interface, to: write)
    }

    /// Starts the node's capture (or joins the one running), follows its file, and stops it
    /// again at the end if this command started it.
    private func streamLive(node: String, interface: String, to destination: String) throws {
        let compiled = try filter.map { try FrameFilter.parse($0) }
        let (running, target): (RunningTopology, RunRecord.Node)
        do { (running, target) = try RunningTopology.locate(node: node, runName: topologyName) } catch { throw Failure(error.description) }
        let started: CaptureState
        do { started = try captureState(["start", interface], running, target) } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
        guard let path = started.path else { throw Failure("\(node) started no capture of \(interface)") }
        let startedHere = started.started == true
        // A capture this command started was only its source: stopped and removed at the end.
        defer {
            if startedHere, (try? captureState(["stop", interface], running, target)) != nil {
                try? FileManager.default.removeItem(atPath: path)
            }
        }

        let output: Int32
        if destination == "-" {
            output = STDOUT_FILENO
        } else {
            output = open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard output >= 0 else { throw Failure("cannot write \(destination): \(String(cString: strerror(errno)))") }
        }
        defer { if output != STDOUT_FILENO { close(output) } }
        LiveCaptureSignals.install()
        StandardStreams.error("capturing \(node):\(interface)\(filter.map { " (filter: \($0))" } ?? "") to \(destination == "-" ? "standard output" : destination); Ctrl-C stops")
        var lastCheck = Date()
        var nodeGone = false
        var captureGone = false
        let outcome: LiveCapture.Outcome
        do {
            outcome = try LiveCapture(path: path, filter: compiled).stream(to: output, fromStart: startedHere) {
                if LiveCaptureSignals.interrupted != 0 { return true }
                // A node that is gone writes nothing more: end rather than wait forever.
                if Date().timeIntervalSince(lastCheck) > 2 {
                    lastCheck = Date()
                    nodeGone = running.state(of: target) != .running
                    // Whoever started the capture (or anyone, with `capture --stop`) can stop
                    // it, or the file can be removed: either way nothing more will come.
                    let shown = nodeGone ? nil : try? captureState(["show", interface], running, target)
                    captureGone = !FileManager.default.fileExists(atPath: path) || (shown != nil && shown?.path != path)
                }
                return nodeGone || captureGone
            }
        } catch { throw Failure(error.description) }
        let filtered = compiled == nil ? "" : " of \(outcome.framesSeen)"
        StandardStreams.error("\(outcome.framesWritten)\(filtered) frames captured" + (nodeGone ? "; \(node) stopped running" : captureGone ? "; the capture it followed was stopped (\(path))" : ""))
    }

    /// `capture ARGUMENTS --json` on the node, decoded; the node's own words when it refuses.
    private func captureState(_ arguments: [String], _ running: RunningTopology, _ node: RunRecord.Node) throws -> CaptureState {
        let answer = try running.collect(["capture"] + arguments + ["--json"], on: node)
        guard answer.status == 0, let state = try? JSONDecoder().decode(CaptureState.self, from: Data(answer.output.joined().utf8)) else {
            throw Failure((answer.errors + answer.output).joined(separator: "\n"))
        }
        return state
    }
}

/// Ctrl-C and SIGTERM end a live capture cleanly (the node's capture is stopped, the file is
/// whole); a closed pipe is noticed as EPIPE rather than killing the process.
enum LiveCaptureSignals {
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    static func install() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT) { _ in LiveCaptureSignals.interrupted = 1 }
        signal(SIGTERM) { _ in LiveCaptureSignals.interrupted = 1 }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}
