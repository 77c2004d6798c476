import Foundation
import Testing

/// What the docker tests share: the engine, the images they run (built once per test process
/// from this build's nicbed, FROM scratch, pulling nothing), and a run of one topology as a
/// compose project with a name of its own, so that nothing of a developer's own projects is
/// touched.
enum Docker {
    /// Whether docker, a running engine and docker-compose are here. Under CI=true the tests
    /// run anyway and fail, so CI cannot pass by skipping them.
    static var missing: String? {
        guard let docker = Environment.path(of: "docker") else { return "needs docker (apt-get install docker.io docker-compose)" }
        guard let info = try? CommandRunner.run(docker, ["info", "--format", "{{.ServerVersion}}"], seconds: 20), info.status == 0 else {
            return "needs a running docker engine (start dockerd)"
        }
        let v2 = (try? CommandRunner.run(docker, ["compose", "version"], seconds: 20))?.status == 0
        return v2 || Environment.has("docker-compose") ? nil : "needs docker compose (apt-get install docker-compose)"
    }

    static var canRun: Bool { missing == nil || Environment.isCI }

    static let image = "nicbed:test"
    /// The tag topologies/app-in-container.yaml names.
    static let userImage = "nicbed-busybox:latest"

    /// Builds both images the first time a test asks, then says how that went.
    static func images() throws {
        try builtOnce.get()
    }

    private static let builtOnce: Result<Void, CommandFailure> = {
        do {
            let offline = try CommandRunner.run(Environment.repository.appendingPathComponent("docker/build-offline").path,
                                                ["--tag", image, "--binary", try Environment.nicbed], seconds: 300)
            guard offline.status == 0 else { return .failure(CommandFailure("docker/build-offline: \(offline.output) \(offline.error)")) }
            let busybox = try CommandRunner.run(Environment.repository.appendingPathComponent("docker/build-busybox").path,
                                                ["--tag", userImage], seconds: 120)
            guard busybox.status == 0 else { return .failure(CommandFailure("docker/build-busybox: \(busybox.output) \(busybox.error)")) }
            return .success(())
        } catch let failure as CommandFailure {
            return .failure(failure)
        } catch {
            return .failure(CommandFailure("building the images: \(error)"))
        }
    }()

    @discardableResult
    static func run(_ arguments: String..., seconds: Double = 120) throws -> CommandResult {
        guard let docker = Environment.path(of: "docker") else { throw CommandFailure("no docker on PATH") }
        return try CommandRunner.run(docker, arguments, seconds: seconds)
    }

    /// Containers, networks and volumes labelled with the compose project.
    static func leftovers(project: String) throws -> [String] {
        let filter = "label=com.docker.compose.project=\(project)"
        var found: [String] = []
        for arguments in [["ps", "-a", "-q", "--filter", filter], ["network", "ls", "-q", "--filter", filter],
                          ["volume", "ls", "-q", "--filter", filter]] {
            let listed = try CommandRunner.run(Environment.path(of: "docker") ?? "docker", arguments, seconds: 30)
            found += listed.output.split(separator: "\n").map { "\(arguments[0]) \($0)" }
        }
        return found
    }

    /// A container's address on its compose network.
    static func address(of container: String) throws -> String {
        try run("inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One topology up as a compose project of its own (`<topology>-<random>`), in a test's run root.
final class DockerRun {
    let run: TestRun
    let project: String
    /// Whether `run` is this one's (and `finish` ends it), or another's it runs beside.
    private let ownsRun: Bool

    init(_ topology: String, in shared: TestRun? = nil) throws {
        try Docker.images()
        run = try shared ?? TestRun()
        ownsRun = shared == nil
        let suffix = String(UInt32.random(in: 0..<(1 << 20)), radix: 36)
        project = "\(topology.prefix(17))-\(suffix)"
        let path = Environment.repository.appendingPathComponent("topologies/\(topology).yaml").path
        up = try run.nicbed("up", "--docker", "--image", Docker.image, "--project", project, path, seconds: 240)
    }

    let up: CommandResult

    func container(_ node: String) -> String { "\(project)-\(node)" }

    func finish() {
        _ = try? run.nicbed("down", project, seconds: 60)
        if ownsRun { run.finish() }
        // Whatever `down` could not remove goes too, so that one failure does not leak into the next run.
        for item in (try? Docker.leftovers(project: project)) ?? [] {
            let parts = item.split(separator: " ").map(String.init)
            switch parts[0] {
            case "ps": _ = try? Docker.run("rm", "-f", "-v", parts[1])
            default: _ = try? Docker.run(parts[0], "rm", parts[1])
            }
        }
    }
}
