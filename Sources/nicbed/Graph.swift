import ArgumentParser
import Foundation
import Topology

struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a topology: Graphviz DOT on standard output, or SVG/PNG with Graphviz's dot.",
        discussion: """
          nicbed graph topologies/line3.yaml              DOT on standard output nicbed graph \
          topologies/line3.yaml -o line3.svg  rendered with `dot` (apt install graphviz)
        """)

    @Argument(help: "The topology file.")
    var topology: String

    @Option(name: .shortAndLong, help: "Write to this file: .dot, or .svg/.png rendered by dot.")
    var output: String?

    func run() throws {
        let model: Topology
        do { model = try Topology.load(path: topology) } catch { throw Failure(error.description) }
        let dot = model.graphviz()
        guard let output else {
            print(dot, terminator: "")
            return
        }
        let format = URL(fileURLWithPath: output).pathExtension.lowercased()
        if format == "dot" || format == "gv" {
            do { try dot.write(toFile: output, atomically: true, encoding: .utf8) } catch { throw Failure("cannot write \(output): \(error.localizedDescription)") }
            return
        }
        guard ["svg", "png", "pdf"].contains(format) else {
            throw Failure("\(output): unknown format '\(format)'; accepted: .dot, .gv, .svg, .png, .pdf")
        }
        guard let dotTool = ["/usr/bin/dot", "/usr/local/bin/dot"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure("rendering \(format) needs Graphviz's dot (apt install graphviz); `-o FILE.dot` writes DOT without it")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dotTool)
        process.arguments = ["-T\(format)", "-o", output]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(dot.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw Failure("dot failed with status \(process.terminationStatus)") }
    }
}
