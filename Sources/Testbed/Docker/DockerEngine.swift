import Foundation

/// The docker CLI on this machine, the engine it talks to, and the compose that goes with
/// it: `docker compose` (v2) when the plugin is there, else `docker-compose` (v1). Whichever
/// `docker` comes first on PATH is used, against whichever engine it reaches.
struct DockerEngine {
    let docker: String
    let compose: [String]

    /// Checks that docker is installed, its engine answers and a compose is there, saying in
    /// one line which of them is missing.
    static func find() throws(OrchestratorError) -> DockerEngine {
        guard let docker = SystemCommand.locateInPath("docker") else {
            throw OrchestratorError("docker is not installed (no `docker` on PATH): apt-get install docker.io docker-compose")
        }
        let info = try SystemCommand.run([docker, "info", "--format", "{{.ServerVersion}}"])
        let version = info.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard info.status == 0, !version.isEmpty else {
            let reason = info.error.split(separator: "\n").first.map(String.init) ?? "no answer"
            throw OrchestratorError("docker is installed but its engine is not running or not reachable (\(reason)): start it (`dockerd &`, or `systemctl start docker`)")
        }
        if let v2 = try? SystemCommand.run([docker, "compose", "version"]), v2.status == 0 {
            return DockerEngine(docker: docker, compose: [docker, "compose"])
        }
        guard let v1 = SystemCommand.locateInPath("docker-compose") else {
            throw OrchestratorError("docker compose is not installed (neither `docker compose` nor `docker-compose`): apt-get install docker-compose")
        }
        return DockerEngine(docker: docker, compose: [v1])
    }

    /// For the commands that act on a run already up: docker itself, without asking the engine
    /// first (each command says what went wrong if it is gone).
    static func cli() throws(OrchestratorError) -> DockerEngine {
        guard let docker = SystemCommand.locateInPath("docker") else {
            throw OrchestratorError("docker is not installed (no `docker` on PATH), and this run was started under docker")
        }
        let v2 = (try? SystemCommand.run([docker, "compose", "version"]))?.status == 0
        return DockerEngine(docker: docker, compose: v2 ? [docker, "compose"] : [SystemCommand.locateInPath("docker-compose") ?? "docker-compose"])
    }

    func run(_ arguments: [String]) throws(OrchestratorError) -> SystemCommand.Result {
        try SystemCommand.run([docker] + arguments)
    }

    @discardableResult
    func must(_ arguments: [String]) throws(OrchestratorError) -> String {
        try SystemCommand.must([docker] + arguments)
    }

    func compose(project: String, file: String, _ arguments: [String]) throws(OrchestratorError) -> SystemCommand.Result {
        try SystemCommand.run(compose + ["-p", project, "-f", file] + arguments)
    }

    func hasImage(_ image: String) -> Bool {
        (try? run(["image", "inspect", "--format", "{{.Id}}", image]))?.status == 0
    }

    /// What `docker inspect` says of each container that exists; a name missing from the
    /// answer has no container.
    struct Container {
        var name: String
        var status: String
        /// "healthy", "unhealthy", "starting", or "" without a health check.
        var health: String
        var pid: Int32
        var address: String
    }

    func inspect(_ names: [String]) -> [String: Container] {
        guard !names.isEmpty else { return [:] }
        let format = "{{.Name}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.Pid}}|{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"
        // Names that do not exist make inspect exit 1, but it still prints the others.
        guard let result = try? run(["inspect", "--type", "container", "--format", format] + names) else { return [:] }
        var containers: [String: Container] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 5 else { continue }
            let name = fields[0].hasPrefix("/") ? String(fields[0].dropFirst()) : fields[0]
            containers[name] = Container(name: name, status: fields[1], health: fields[2], pid: Int32(fields[3]) ?? 0,
                                         address: fields[4].trimmingCharacters(in: .whitespaces))
        }
        return containers
    }

    /// Containers, networks and volumes that carry the compose project's label.
    func leftovers(project: String) -> [String] {
        let filter = "label=com.docker.compose.project=\(project)"
        var found: [String] = []
        for (kind, arguments) in [("container", ["ps", "-a", "-q", "--filter", filter]),
                                  ("network", ["network", "ls", "-q", "--filter", filter]),
                                  ("volume", ["volume", "ls", "-q", "--filter", filter])] {
            let ids = ((try? run(arguments))?.output ?? "").split(separator: "\n")
            found += ids.map { "\(kind) \($0)" }
        }
        return found
    }
}
