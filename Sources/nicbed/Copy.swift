import Apps
import ArgumentParser
import Foundation
import Testbed
#if canImport(Glibc)
import Glibc
#endif

struct Copy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy a file to, from or between emulated hosts.",
        discussion: """
        Each side is a local path or NODE:/path on a host's disk (its directory in the run directory).

        Between two hosts the destination downloads from the source's file server (`serve:` in the \
        topology) over the emulated network, through nicbed's TCP; to or from this machine the file is \
        copied straight to or from the host's disk.

          nicbed cp big.bin h1:/big.bin        local -> node
          nicbed cp h1:/big.bin h2:/copy.bin   node -> node, over the emulated network
          nicbed cp h2:/copy.bin ./back.bin    node -> local
          nicbed cp --resume h1:/big.bin h2:/copy.bin   finish an interrupted copy

        The last line gives the size, time, goodput and the SHA-256 of both ends; the exit status is 1 \
        when they differ or the copy failed.
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Flag(help: "Continue an interrupted copy from what the destination already has.")
    var resume = false

    @Argument(help: "The source: a local path or NODE:/path.")
    var source: String

    @Argument(help: "The destination: a local path or NODE:/path.")
    var destination: String

    /// `NODE:/path` on a running host, with the host's disk and file server.
    struct HostFile: CustomStringConvertible {
        var running: RunningTopology
        var node: RunRecord.Node
        var status: NodeStatus
        var path: String
        var disk: String
        var description: String { "\(node.name):\(path)" }
    }

    func run() throws {
        let from = try hostFile(source)
        let to = try hostFile(destination)
        let started = Date()
        let sourcePath: String, destinationPath: String
        switch (from, to) {
        case (nil, nil):
            throw Failure("neither \(source) nor \(destination) is on a host: write one side as NODE:/path (e.g. h1:/file.bin)")
        case let (from?, to?):
            sourcePath = try resolve(from, forWriting: false)
            destinationPath = try resolve(to, forWriting: true)
            // Copying a file onto itself would truncate what is being served.
            if sourcePath == destinationPath { throw Failure("\(source) and \(destination) are the same file") }
            try fetch(from: from, to: to)
        case let (nil, to?):
            sourcePath = source
            destinationPath = try resolve(to, forWriting: true)
            try copyLocally(sourcePath, destinationPath)
        case let (from?, nil):
            sourcePath = try resolve(from, forWriting: false)
            destinationPath = destination
            try copyLocally(sourcePath, destinationPath)
        }
        try verify(sourcePath, destinationPath, started: started)
    }

    private func hostFile(_ text: String) throws -> HostFile? {
        guard let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].hasPrefix("/") else { return nil }
        let name = String(text[..<colon])
        let running: RunningTopology, node: RunRecord.Node
        do { (running, node) = try RunningTopology.locate(node: name, runName: topologyName) } catch {
            throw Failure("\(text): \(error.description)")
        }
        guard node.isOurProcess else {
            if node.namespace != nil || node.container != nil {
                throw Failure("\(name) is a linux node, which has no nicbed disk: copy with its own tools, e.g. `nicbed exec \(name) -- curl -o FILE http://HOST/PATH`")
            }
            throw Failure("\(name) is an external node, which nicbed does not reach into: copy with the guest's own tools")
        }
        guard let status = running.status(of: node) else { throw Failure("\(name) does not answer (\(running.state(of: node)))") }
        guard let disk = status.disk else { throw Failure("\(name) is a \(status.kind): only hosts have a disk") }
        return HostFile(running: running, node: node, status: status, path: String(text[text.index(after: colon)...]), disk: disk)
    }

    private func resolve(_ file: HostFile, forWriting: Bool) throws -> String {
        do { return try SafePath.resolve(file.path, root: file.disk, forWriting: forWriting) } catch {
            throw Failure("\(file): \(error.description)")
        }
    }

    /// Node to node: the destination downloads from the source's file server.
    private func fetch(from: HostFile, to: HostFile) throws {
        guard let port = from.status.serve else {
            throw Failure("\(from.node.name) does not serve files: add `serve: true` to it in the topology")
        }
        guard let address = from.status.interfaces.first?.address.split(separator: "/").first else {
            throw Failure("\(from.node.name) has no address")
        }
        let progress = ProgressLine()
        var arguments = ["fetch", "-p", String(port), String(address), from.path, to.path]
        if resume { arguments.insert("--resume", at: 1) }
        let status: Int32
        do {
            status = try to.running.exec(arguments, on: to.node, output: { progress.show($0) },
                                         error: { progress.finish(); StandardStreams.error($0) })
        } catch {
            throw Failure(error.description)
        }
        progress.finish()
        if status != 0 { throw ExitCode(status) }
    }

    /// To or from this machine: a plain copy in fixed memory (with --resume, from where the
    /// destination stops).
    private func copyLocally(_ from: String, _ to: String) throws {
        guard let input = FileHandle(forReadingAtPath: from) else { throw Failure("cannot read \(from): \(String(cString: strerror(errno)))") }
        defer { try? input.close() }
        var start: UInt64 = 0
        if resume, let attributes = try? FileManager.default.attributesOfItem(atPath: to), let size = attributes[.size] as? UInt64 {
            start = size
        } else {
            guard FileManager.default.createFile(atPath: to, contents: nil) else { throw Failure("cannot create \(to)") }
        }
        guard let output = FileHandle(forWritingAtPath: to) else { throw Failure("cannot write \(to): \(String(cString: strerror(errno)))") }
        defer { try? output.close() }
        try input.seek(toOffset: start)
        try output.seek(toOffset: start)
        while let data = try input.read(upToCount: 1 << 20), !data.isEmpty { try output.write(contentsOf: data) }
    }

    private func verify(_ from: String, _ to: String, started: Date) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: to)[.size] as? Int) ?? 0
        let seconds = Date().timeIntervalSince(started)
        let sourceDigest = try FileDigest.sha256(path: from)
        let destinationDigest = try FileDigest.sha256(path: to)
        let rate = String(format: "%.1f Mbit/s", Double(size) * 8 / max(seconds, 1e-6) / 1e6)
        let same = sourceDigest == destinationDigest
        print("\(source) -> \(destination): \(size) bytes in \(String(format: "%.3f", seconds)) s, \(rate); sha256 \(sourceDigest) \(same ? "=" : "!=") \(destinationDigest)\(same ? "" : " MISMATCH")")
        if !same { throw ExitCode(1) }
    }
}

/// Progress on one line that rewrites itself on a terminal; a line each otherwise.
final class ProgressLine {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var open = false

    func show(_ line: String) {
        // The fetch's progress lines are indented; the rest are plain messages.
        guard isTerminal, line.hasPrefix("  ") else {
            finish()
            StandardStreams.output(line)
            return
        }
        FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line.dropFirst(2))".utf8))
        open = true
    }

    func finish() {
        if open { FileHandle.standardOutput.write(Data("\n".utf8)) }
        open = false
    }
}
