import Foundation
import Testing

/// `nicbed web`, its page in a real browser, its /metrics read by Prometheus' own parser, its
/// access rules from a client on another address; and the CLI's machine-readable output and
/// live capture, read by the tools users pipe them into.
@Suite("web view, metrics, JSON and live capture over real processes", .serialized)
struct WebViewOverRealProcesses {
    /// Debian's python3 with python3-selenium and python3-prometheus-client (not a pyenv's).
    static let python = "/usr/bin/python3"
    static var hasBrowser: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") }

    /// Starts `nicbed web` with `arguments` and returns it with the address it printed.
    static func startWeb(_ run: TestRun, _ arguments: [String]) throws -> (BackgroundCommand, String) {
        let web = try run.background(["web"] + arguments)
        guard web.waitFor("nicbed web: http://", seconds: 30) else { throw CommandFailure("nicbed web did not start:\n\(web.transcript)") }
        let line = web.output.split(separator: "\n").first { $0.hasPrefix("nicbed web: http://") } ?? ""
        let address = line.dropFirst("nicbed web: http://".count).prefix { $0 != "/" }
        return (web, String(address))
    }

    static var artifacts: String {
        let directory = ProcessInfo.processInfo.environment["NICBED_TEST_ARTIFACTS"]
            ?? Environment.repository.appendingPathComponent(".build/test-artifacts").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(.enabled(if: hasBrowser || Environment.isCI, "needs chromium, chromium-driver and python3-selenium (apt-get install chromium chromium-driver python3-selenium)"),
          .timeLimit(.minutes(4)))
    func aBrowserSeesLine3MoveAndTakesALinkDown() throws {
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let (web, address) = try Self.startWeb(run, ["--listen", "127.0.0.1:0"])
        let screenshot = "\(Self.artifacts)/web-line3.png"
        try? FileManager.default.removeItem(atPath: screenshot)
        let check = try CommandRunner.run(Self.python, [Environment.repository.appendingPathComponent("scripts/web-browser-check.py").path,
                                                        "--url", "http://\(address)/", "--nicbed", try Environment.nicbed,
                                                        "--screenshot", screenshot],
                                          environment: run.environment, seconds: 180)
        #expect(check.status == 0, "\(check.output)\n\(check.error)\n\(web.transcript)")
        #expect(check.output.contains("PASSED"))
        #expect(FileManager.default.fileExists(atPath: screenshot), "the screenshot is kept at \(screenshot)")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/prometheus_client") || Environment.isCI,
                   "needs python3-prometheus-client"), .timeLimit(.minutes(3)))
    func prometheusParsesGrowingCountersDuringACopy() throws {
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let (web, address) = try Self.startWeb(run, ["--listen", "127.0.0.1:0"])
        let receiver = try run.background(["exec", "h2", "tcp-recv", "-n", "3000000000"])
        #expect(receiver.waitFor("listening"), "\(receiver.transcript)")
        let sender = try run.background(["exec", "h1", "tcp-send", "-n", "3000000000", "10.0.2.1"])
        defer { sender.stop(); receiver.stop() }
        let check = try CommandRunner.run(Self.python, [Environment.repository.appendingPathComponent("scripts/metrics-check.py").path,
                                                        "--url", "http://\(address)/metrics", "--topology", "line3",
                                                        "--node", "h1", "--interface", "eth0"], seconds: 60)
        #expect(check.status == 0, "\(check.output)\n\(check.error)\n\(web.transcript)")
        #expect(check.output.contains("PASSED"))
    }

    @Test(.enabled(if: Environment.has("tshark") || Environment.isCI, "needs tshark (apt-get install tshark)"))
    func liveCaptureToStandardOutputDecodesInTshark() throws {
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let ping = try run.background(["exec", "h1", "ping", "-c", "300", "-i", "0.1", "10.0.2.1"])
        defer { ping.stop() }
        let nicbed = try Environment.nicbed
        let piped = try CommandRunner.run("/bin/bash", ["-c", "set -o pipefail; '\(nicbed)' capture -w - h1:eth0 | tshark -r - -c 10"],
                                          environment: run.environment, seconds: 60)
        let frames = piped.output.split(separator: "\n").filter { $0.contains("ICMP") || $0.contains("ARP") }
        #expect(frames.count == 10, "\(piped.output)\n\(piped.error)")
        #expect(piped.status == 0, "\(piped.error)")
        // The capture this command started is stopped and removed when the reader has its ten.
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(run.root)/line3").filter { $0.hasSuffix(".pcap") }
        #expect(left.isEmpty, "\(left)")

        // A filter lets through what it names, nothing else; a file is written where asked.
        let file = "\(run.root)/icmp-to-h2.pcap"
        let capture = try run.background(["capture", "-w", file, "--filter", "icmp and dst host 10.0.2.1", "r1:eth1"])
        #expect(capture.waitFor("Ctrl-C stops"), "\(capture.transcript)")
        Thread.sleep(forTimeInterval: 2)
        capture.interrupt()
        let ended = try capture.wait(seconds: 10)
        #expect(ended.status == 0, "\(ended.error)")
        let lines = try CaptureCheck.tshark(["-r", file]).output.split(separator: "\n")
        #expect(lines.count >= 5, "\(lines)")
        #expect(lines.allSatisfy { $0.contains("→ 10.0.2.1") && $0.contains("Echo (ping) request") }, "\(lines)")

        // Joining a capture someone started, and ending when they stop it (`capture --stop`),
        // with its file whole.
        #expect(try run.nicbed("capture", "h2:eth0").status == 0)
        let joined = "\(run.root)/joined.pcap"
        let follower = try run.background(["capture", "-w", joined, "h2:eth0"])
        #expect(follower.waitFor("Ctrl-C stops"), "\(follower.transcript)")
        Thread.sleep(forTimeInterval: 1)
        #expect(try run.nicbed("capture", "--stop", "h2:eth0").status == 0)
        let followed = try follower.wait(seconds: 10)
        #expect(followed.status == 0 && followed.error.contains("the capture it followed was stopped"), "\(follower.transcript)")
        let joinedFrames = try CaptureCheck.tshark(["-r", joined]).output.split(separator: "\n")
        #expect(joinedFrames.contains { $0.contains("Echo (ping) request") }, "\(joinedFrames)")

        let refused = try run.nicbed("capture", "-w", file, "h1:eth0")
        #expect(refused.status != 0 && refused.error.contains("exists"), "\(refused.error)")
        let badFilter = try run.nicbed("capture", "-w", "-", "--filter", "tcp andd port 80", "h1:eth0")
        #expect(badFilter.status != 0 && badFilter.error.contains("andd"), "\(badFilter.error)")
    }

    @Test func statusAndPingallSpeakJSON() throws {
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let status = try run.nicbed("status", "--json")
        #expect(status.status == 0, "\(status.error)")
        let labs = try #require(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: [[String: Any]]])
        let nodes = try #require(labs["line3"])
        #expect(nodes.compactMap { $0["name"] as? String } == ["h1", "r1", "h2"])
        for node in nodes {
            #expect(node["lab_name"] as? String == "line3")
            #expect((node["labPath"] as? String)?.hasSuffix("topologies/line3.yaml") == true)
            #expect(node["state"] as? String == "running")
            #expect(node["kind"] as? String != nil && node["pid"] as? Int != nil)
            #expect((node["interfaces"] as? [[String: Any]])?.isEmpty == false)
        }
        #expect(nodes.first?["ipv4_address"] as? String == "10.0.1.1/24")

        let pingall = try run.nicbed("pingall", "--json")
        #expect(pingall.status == 0, "\(pingall.error)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(pingall.output.utf8)) as? [String: Any])
        #expect(report["lab_name"] as? String == "line3")
        #expect(report["sent"] as? Int == 2 && report["received"] as? Int == 2 && report["dropped_percent"] as? Int == 0)
        let pairs = try #require(report["pairs"] as? [[String: Any]])
        #expect(pairs.map { "\($0["source"] ?? "")>\($0["destination"] ?? "")" } == ["h1>h2", "h2>h1"])
        #expect(pairs.allSatisfy { $0["reached"] as? Bool == true })

        // A link down shows in the JSON as unreached pairs, and the exit status says so.
        #expect(try run.nicbed("link", "down", "h1:eth0").status == 0)
        let broken = try run.nicbed("pingall", "--json", "-W", "0.5")
        #expect(broken.status == 1)
        let brokenReport = try #require(try JSONSerialization.jsonObject(with: Data(broken.output.utf8)) as? [String: Any])
        #expect(brokenReport["received"] as? Int == 0)

        let stats = try run.nicbed("stats", "--json")
        #expect(stats.status == 0, "\(stats.error)")
        let all = try #require(try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any])
        let byNode = try #require(all["nodes"] as? [String: [String: Any]])
        #expect(byNode.keys.sorted() == ["h1", "h2", "r1"])
        #expect((byNode["r1"]?["ports"] as? [String: Any])?.keys.sorted() == ["r1:eth0", "r1:eth1"])
        // Each port's link state and impairments, as `link show` says them.
        #expect(try run.nicbed("link", "set", "r1:eth1", "loss", "7%", "delay", "3ms").status == 0)
        let impaired = try run.nicbed("stats", "--json")
        let impairedNodes = try #require((try JSONSerialization.jsonObject(with: Data(impaired.output.utf8)) as? [String: Any])?["nodes"] as? [String: [String: Any]])
        let h1Link = try #require((byNode["h1"]?["links"] as? [String: [String: Any]])?["h1:eth0"])
        #expect(h1Link["up"] as? Bool == false)
        let r1Link = try #require((impairedNodes["r1"]?["links"] as? [String: [String: Any]])?["r1:eth1"])
        #expect(r1Link["up"] as? Bool == true)
        #expect((r1Link["sends"] as? [String: String])?["loss"] == "7%" && (r1Link["sends"] as? [String: String])?["delay"] == "3ms", "\(r1Link)")
    }

    /// From a client on another address (a network namespace behind a veth pair): 401 without
    /// the token for the page, the live feed and the metrics, 200 with it. From loopback: the
    /// page without the token, but no control without it.
    @Test(.enabled(if: (Environment.isRoot && Environment.has("curl")) || Environment.isCI, "needs root (ip netns) and curl"))
    func aClientNotOnLoopbackNeedsTheToken() throws {
        let run = try TestRun()
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let refusedListen = try run.nicbed("web", "--listen", "0.0.0.0:0")
        #expect(refusedListen.status != 0 && refusedListen.error.contains("--allow-remote"), "\(refusedListen.error)")

        let namespace = try RemoteClientNamespace()
        defer { namespace.remove() }
        let token = "test-token-\(UInt32.random(in: 0...UInt32.max))"
        let (web, address) = try Self.startWeb(run, ["--listen", "0.0.0.0:0", "--allow-remote", "--token", token])
        let port = try #require(address.split(separator: ":").last.map(String.init))
        let remote = "http://\(namespace.hostAddress):\(port)"
        for path in ["/", "/metrics", "/api/view"] {
            #expect(try namespace.curlStatus("\(remote)\(path)") == "401", "\(path)\n\(web.transcript)")
            #expect(try namespace.curlStatus("\(remote)\(path)", ["-H", "Authorization: Bearer \(token)"]) == "200", "\(path)")
        }
        #expect(try namespace.curlStatus("\(remote)/?token=\(token)") == "200")
        // The websocket's upgrade passes the same rules; hummingbird turns any refused upgrade
        // into 400, so a refusal is anything but 101 Switching Protocols.
        let upgrade = ["-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                       "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
        #expect(try namespace.curlStatus("\(remote)/live", upgrade) == "400")
        #expect(try namespace.curlStatus("\(remote)/live?token=\(token)", upgrade + ["--max-time", "2"]).hasPrefix("101"))
        #expect(try namespace.curlStatus("\(remote)/", ["-H", "Authorization: Bearer wrong"]) == "401")

        let local = "http://127.0.0.1:\(port)"
        let body = #"{"end": "h1:eth0", "action": "set", "settings": {"loss": "7%"}}"#
        #expect(try Self.curlStatus("\(local)/") == "200")
        #expect(try Self.curlStatus("\(local)/", ["-H", "Host: rebound.example"]) == "403")
        #expect(try Self.curlStatus("\(local)/api/link", ["-X", "POST", "-H", "Content-Type: application/json", "-d", body]) == "401")
        #expect(try run.nicbed("link", "show", "h1:eth0").output.contains("loss 0%"))
        #expect(try Self.curlStatus("\(local)/api/link", ["-X", "POST", "-H", "Content-Type: application/json",
                                                          "-H", "X-Nicbed-Token: \(token)", "-d", body]) == "200")
        #expect(try run.nicbed("link", "show", "h1:eth0").output.contains("loss 7%"))
    }

    static func curlStatus(_ url: String, _ extra: [String] = []) throws -> String {
        try CommandRunner.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"] + extra + [url]).output
    }
}

/// A network namespace joined to the root one by a veth pair: a client whose address is not
/// loopback, on this machine only.
struct RemoteClientNamespace {
    let name: String
    let hostAddress: String
    private let hostEnd: String

    init() throws {
        let tag = String(UInt16.random(in: 1...9999))
        name = "nbweb\(tag)"
        hostEnd = "nbw\(tag)h"
        let octet = Int.random(in: 1...250)
        hostAddress = "10.251.\(octet).1"
        let steps: [[String]] = [
            ["netns", "add", name],
            ["link", "add", hostEnd, "type", "veth", "peer", "name", "nbw\(tag)n"],
            ["link", "set", "nbw\(tag)n", "netns", name],
            ["addr", "add", "\(hostAddress)/30", "dev", hostEnd],
            ["link", "set", hostEnd, "up"],
            ["-n", name, "addr", "add", "10.251.\(octet).2/30", "dev", "nbw\(tag)n"],
            ["-n", name, "link", "set", "nbw\(tag)n", "up"],
            ["-n", name, "link", "set", "lo", "up"],
        ]
        for step in steps {
            let result = try CommandRunner.run("/usr/sbin/ip", step)
            if result.status != 0 {
                remove()
                throw CommandFailure("ip \(step.joined(separator: " ")): \(result.error)")
            }
        }
    }

    func curlStatus(_ url: String, _ extra: [String] = []) throws -> String {
        try CommandRunner.run("/usr/sbin/ip", ["netns", "exec", name, "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                               "--max-time", "10"] + extra + [url]).output
    }

    func remove() {
        _ = try? CommandRunner.run("/usr/sbin/ip", ["link", "del", hostEnd])
        _ = try? CommandRunner.run("/usr/sbin/ip", ["netns", "del", name])
    }
}
