import Foundation
import Testbed
import Testing
import Topology
import Yams

/// What `nicbed compose` writes, read back as YAML; then what compose itself says of it, and
/// what a user without docker is told.
@Suite("compose files")
struct ComposeFiles {
    static func render(_ name: String, project: String? = nil) throws -> (Topology, [String: Any]) {
        let path = Environment.repository.appendingPathComponent("topologies/\(name).yaml").path
        let topology = try Topology.load(path: path)
        let file = ComposeFile(topology: topology, topologyPath: path, project: project ?? name, image: "nicbed:x",
                               run: RunDirectory(path: "/tmp/nb/\(project ?? name)"), options: .init(), user: "1000:1000")
        let text = try file.render()
        return (topology, try #require(try Yams.load(yaml: text) as? [String: Any]))
    }

    @Test func everyNodeIsAServiceOnTheUnderlayWithAHealthCheck() throws {
        let (topology, document) = try Self.render("leaf-spine", project: "fabric-2")
        let services = try #require(document["services"] as? [String: [String: Any]])
        #expect(Set(services.keys) == Set(topology.nodes.map(\.name)))
        for node in topology.nodes {
            let service = try #require(services[node.name])
            #expect(service["container_name"] as? String == "fabric-2-\(node.name)")
            #expect(service["image"] as? String == "nicbed:x")
            #expect(service["networks"] as? [String] == ["underlay"])
            #expect(service["init"] as? Bool == true)
            // Quoted: YAML 1.1 would read 1000:1000 as a base-60 number.
            #expect(service["user"] as? String == "1000:1000")
            let command = try #require(service["command"] as? [String])
            #expect(Array(command.prefix(2)) == ["/usr/bin/nicbed", "node"] && command.contains("--in-container"))
            #expect(command.contains(node.name) && command.contains("/tmp/nb/fabric-2"))
            let volumes = try #require(service["volumes"] as? [String])
            #expect(volumes.contains { $0.hasSuffix("leaf-spine.yaml:ro") } && volumes.contains("/tmp/nb/fabric-2:/tmp/nb/fabric-2"))
            let health = try #require(service["healthcheck"] as? [String: Any])
            #expect(health["test"] as? [String] == ["CMD", "/usr/bin/nicbed", "probe", "--socket", "/tmp/nb/fabric-2/\(node.name).sock"])
        }
        let networks = try #require(document["networks"] as? [String: [String: Any]])
        let options = try #require(networks["underlay"]?["driver_opts"] as? [String: String])
        // 1500-byte packets, their Ethernet, VXLAN, UDP and IPv4 headers, unfragmented.
        #expect(options["com.docker.network.driver.mtu"] == "1550")
    }

    @Test func aLinuxNodeIsANamespaceAndTheUsersImageRunsInIt() throws {
        let (_, document) = try Self.render("app-in-container")
        let services = try #require(document["services"] as? [String: [String: Any]])
        let l1 = try #require(services["l1"])
        #expect(l1["cap_add"] as? [String] == ["NET_ADMIN"])
        #expect((l1["command"] as? [String])?.prefix(2) == ["/usr/bin/nicbed", "linux-container"])
        #expect((l1["healthcheck"] as? [String: Any])?["test"] as? [String] == ["CMD", "/usr/bin/nicbed", "probe", "--file", ComposeFile.linuxReadyFile])
        let app = try #require(services["l1-app"])
        #expect(app["image"] as? String == "nicbed-busybox:latest")
        #expect(app["network_mode"] as? String == "service:l1")
        #expect(app["command"] as? [String] == ["sleep", "1000000"])
        #expect(app["environment"] as? [String: String] == ["ROLE": "client"])
        #expect(((app["depends_on"] as? [String: Any])?["l1"] as? [String: String])?["condition"] == "service_healthy")
        #expect(app["networks"] == nil, "a service in another's namespace has no networks of its own")
    }

    @Test func externalNodesAreRefusedByName() throws {
        let path = Environment.repository.appendingPathComponent("topologies/qemu-guest.yaml").path
        let problems = ComposeFile.unsupported(try Topology.load(path: path))
        #expect(problems.count == 1 && problems[0].contains("external"), "\(problems)")
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func composeAcceptsTheFileOfEveryTopology() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Environment.repository.appendingPathComponent("topologies").path)
            .filter { $0.hasSuffix(".yaml") && $0 != "qemu-guest.yaml" }.sorted()
        try #require(names.count >= 9)
        let run = try TestRun()
        defer { run.finish() }
        var composes: [[String]] = []
        if let v1 = Environment.path(of: "docker-compose") { composes.append([v1]) }
        if let docker = Environment.path(of: "docker"), (try? CommandRunner.run(docker, ["compose", "version"], seconds: 20))?.status == 0 {
            composes.append([docker, "compose"])
        }
        try #require(!composes.isEmpty)
        for name in names {
            let output = "\(run.root)/\(name)"
            let written = try run.nicbed("compose", Environment.repository.appendingPathComponent("topologies/\(name)").path, "-o", output)
            #expect(written.status == 0, "\(name): \(written.error)")
            for compose in composes {
                let checked = try CommandRunner.run(compose[0], Array(compose.dropFirst()) + ["-p", "check", "-f", output, "config", "-q"], seconds: 60)
                #expect(checked.status == 0, "\(compose.joined(separator: " ")) rejects \(name): \(checked.error)")
            }
        }
    }

    /// Runs everywhere: the messages are the point, not docker.
    @Test func withoutDockerOrItsEngineTheUserIsToldWhichInOneLine() throws {
        let run = try TestRun()
        defer { run.finish() }
        let topology = Environment.repository.appendingPathComponent("topologies/line3.yaml").path
        let empty = "\(run.root)/no-tools"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let none = try CommandRunner.run(try Environment.nicbed, ["up", "--docker", topology],
                                         environment: run.environment.merging(["PATH": empty]) { $1 })
        #expect(none.status != 0)
        #expect(none.error.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(none.error)")
        #expect(none.error.contains("docker is not installed"), "\(none.error)")
        // A docker whose engine does not answer, as when dockerd is not started.
        let fake = "\(run.root)/fake-docker"
        try FileManager.default.createDirectory(atPath: fake, withIntermediateDirectories: true)
        try "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"
            .write(toFile: "\(fake)/docker", atomically: true, encoding: .utf8)
        chmod("\(fake)/docker", 0o755)
        let stopped = try CommandRunner.run(try Environment.nicbed, ["up", "--docker", topology],
                                            environment: run.environment.merging(["PATH": fake]) { $1 })
        #expect(stopped.status != 0)
        #expect(stopped.error.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(stopped.error)")
        #expect(stopped.error.contains("engine is not running") && stopped.error.contains("Cannot connect"), "\(stopped.error)")
        #expect(!FileManager.default.fileExists(atPath: "\(run.root)/line3/run.json"), "nothing recorded")
    }
}
