import ArgumentParser
import Foundation
import Testbed
import Topology

struct Compose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a topology as a docker compose file (what `nicbed up --docker` runs).",
        discussion: """
        One service per node: our nodes run `nicbed node` in the image, peers found by service name on \
        the project's network; a linux node is a container with NET_ADMIN whose namespace holds its \
        VXLAN devices, and the image it names (`image:`) runs in that namespace as NODE-app. The \
        topology is mounted read-only and the run directory read-write at the same paths as here.

          nicbed compose topologies/line3.yaml -o line3.compose.yaml
          docker compose -p line3 -f line3.compose.yaml up -d      (or docker-compose)
          docker compose -p line3 -f line3.compose.yaml ps         health of every node
          docker compose -p line3 -f line3.compose.yaml down -v

        `nicbed up --docker` does the same and waits until every node is healthy, and then every \
        nicbed command works on the run.
        """)

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(name: .shortAndLong, help: "Write the compose file here instead of standard output.")
    var output: String?

    @Option(help: "The image the nodes run.")
    var image = DockerCompose.defaultImage

    @Option(help: "The compose project (and run directory) name; the topology's name unless set.")
    var project: String?

    @Option(help: "First underlay UDP port, overriding the file's.")
    var basePort: UInt16?

    func run() throws {
        let model: Topology
        do { model = try Topology.load(path: topology, basePortOverride: basePort) } catch {
            throw Failure(error.description)
        }
        if let problem = ComposeFile.unsupported(model).first { throw Failure(problem) }
        let path = URL(fileURLWithPath: topology).standardizedFileURL.path
        let name = project ?? model.name
        let file = ComposeFile(topology: model, topologyPath: path, project: name, image: image,
                               run: RunDirectory(topologyName: name), options: .init(basePort: basePort), user: nil)
        let text = try file.render()
        guard let output else {
            print(text, terminator: "")
            return
        }
        do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
            throw Failure("cannot write \(output): \(error.localizedDescription)")
        }
        print("wrote \(output): \(model.nodes.count) nodes as project \(name); start it with `docker compose -p \(name) -f \(output) up -d`")
    }
}
