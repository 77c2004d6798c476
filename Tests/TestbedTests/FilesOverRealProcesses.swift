import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files between emulated hosts, as users move them: `nicbed cp` over the hosts' HTTP file
/// servers and nicbed's TCP, across routers, lossy links and a fabric, checked by SHA-256.
@Suite("files between hosts over real processes", .serialized)
struct FilesOverRealProcesses {
    /// A file of `size` random bytes in a temporary directory.
    static func randomFile(_ size: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-\(UUID().uuidString).bin").path
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        FileManager.default.createFile(atPath: path, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var left = size
        while left > 0, let data = try input.read(upToCount: min(left, 1 << 22)) {
            try output.write(contentsOf: data)
            left -= data.count
        }
        try output.close()
        try input.close()
        return path
    }

    /// The sha256 both ends of a copy reported, from cp's last line.
    static func digestsMatch(_ output: String) -> Bool {
        guard let line = output.split(separator: "\n").last(where: { $0.contains("sha256") }) else { return false }
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "sha256"), words.count > at + 3 else { return false }
        return words[at + 2] == "=" && words[at + 1] == words[at + 3] && words[at + 1].count == 64
    }

    @Test func a256MiBFileCrossesARouterWithLossAndDelayIntact() throws {
        let file = try Self.randomFile(256 << 20)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        #expect(try run.up("topologies/line3.yaml").status == 0)
        let upload = try run.nicbed("cp", file, "h1:/big.bin")
        #expect(upload.status == 0 && Self.digestsMatch(upload.output), "\(upload.output) \(upload.error)")
        // 1% loss and 10 ms delay on the r1-h2 link: data loses segments, both ways are slow.
        #expect(try run.nicbed("link", "set", "r1:eth1", "loss", "1%", "delay", "10ms").status == 0)
        #expect(try run.nicbed("link", "set", "h2:eth0", "delay", "10ms").status == 0)
        let copy = try run.nicbed("cp", "h1:/big.bin", "h2:/big.bin")
        #expect(copy.status == 0, "\(copy.output) \(copy.error)")
        #expect(Self.digestsMatch(copy.output), "\(copy.output)")
        #expect(copy.output.contains("fetched 268435456 bytes"))
        let stats = try run.nicbed("exec", "r1", "stats", "--json")
        #expect(stats.output.contains("\"droppedLoss\""), "the loss was applied")
    }

    @Test func a256MiBFileCrossesTheFabricBetweenLeaves() throws {
        let file = try Self.randomFile(256 << 20)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try TestRun(ports: 32)
        defer { run.finish() }
        #expect(try run.up("topologies/leaf-spine.yaml").status == 0)
        #expect(try run.nicbed("cp", file, "h1:/big.bin").status == 0)
        // h1 (leaf 1) to h8 (leaf 4): up spine 1, down to leaf 4; the answer back by spine 2.
        let copy = try run.nicbed("cp", "h1:/big.bin", "h8:/big.bin")
        #expect(copy.status == 0 && Self.digestsMatch(copy.output), "\(copy.output) \(copy.error)")
    }

    @Test func a1GiBTransferStaysUnder64MiBOfMemoryPerNode() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        #expect(try run.up("topologies/line3.yaml").status == 0)
        // A sparse gigabyte: its bytes come from the page cache, not from this test's memory.
        let disk = "\(run.root)/line3/h1.disk/gigabyte.bin"
        #expect(truncate(disk, 1 << 30) == 0 || (FileManager.default.createFile(atPath: disk, contents: nil) && truncate(disk, 1 << 30) == 0))
        let copy = try run.nicbed("cp", "h1:/gigabyte.bin", "h2:/gigabyte.bin")
        #expect(copy.status == 0 && Self.digestsMatch(copy.output), "\(copy.output) \(copy.error)")
        // The peak resident set of each process, as the kernel recorded it (VmHWM).
        var peaks: [String] = []
        for node in ["h1", "r1", "h2"] {
            let peak = try Self.peakResidentKiB(run: run, node: node)
            peaks.append("\(node) \(peak) KiB")
            #expect(peak < 64 * 1024, "\(node) peaked at \(peak) KiB")
        }
        print("peak resident memory during a 1 GiB copy: \(peaks.joined(separator: ", "))")
    }

    static func peakResidentKiB(run: TestRun, node: String) throws -> Int {
        let record = try Data(contentsOf: URL(fileURLWithPath: "\(run.root)/line3/run.json"))
        let nodes = (try JSONSerialization.jsonObject(with: record) as? [String: Any])?["nodes"] as? [[String: Any]] ?? []
        guard let pid = nodes.first(where: { $0["name"] as? String == node })?["pid"] as? Int,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            Issue.record("no VmHWM for \(node)")
            return .max
        }
        return kib
    }

    @Test func aCopyCutByAKilledRouterFailsClearlyAndResumes() throws {
        let file = try Self.randomFile(64 << 20)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        #expect(try run.up("topologies/line3.yaml").status == 0)
        #expect(try run.nicbed("cp", file, "h1:/big.bin").status == 0)
        // Slow the path so the copy is still running when the router dies.
        #expect(try run.nicbed("link", "set", "r1:eth1", "rate", "40Mbit").status == 0)
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: Environment.nicbed)
        copy.arguments = ["cp", "h1:/big.bin", "h2:/big.bin"]
        copy.environment = ProcessInfo.processInfo.environment.merging(run.environment) { _, new in new }
        let output = Pipe()
        copy.standardOutput = output
        copy.standardError = output
        try copy.run()
        sleep(3)
        let record = try Data(contentsOf: URL(fileURLWithPath: "\(run.root)/line3/run.json"))
        let nodes = (try JSONSerialization.jsonObject(with: record) as? [String: Any])?["nodes"] as? [[String: Any]] ?? []
        let router = try #require(nodes.first(where: { $0["name"] as? String == "r1" })?["pid"] as? Int32)
        kill(router, SIGKILL)
        copy.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(copy.terminationStatus == 1, "\(text)")
        #expect(text.contains("--resume"), "the failure says how to continue: \(text)")
        let partial = (try? FileManager.default.attributesOfItem(atPath: "\(run.root)/line3/h2.disk/big.bin")[.size] as? Int) ?? 0
        #expect(partial > 0 && partial < 64 << 20, "part of the file arrived: \(partial)")
        // The topology comes back (the disks stay), and the copy finishes from where it stopped.
        #expect(try run.nicbed("down").status == 0)
        #expect(try run.up("topologies/line3.yaml").status == 0)
        let resumed = try run.nicbed("cp", "--resume", "h1:/big.bin", "h2:/big.bin")
        #expect(resumed.status == 0 && Self.digestsMatch(resumed.output), "\(resumed.output) \(resumed.error)")
        #expect(resumed.output.contains("from byte \(partial)") || resumed.output.contains("already here"), "\(resumed.output)")
    }

    @Test func theServerRefusesPathsOutsideItsDisk() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        #expect(try run.up("topologies/line3.yaml").status == 0)
        // A symlink in h1's disk that leads out of it.
        let disk = "\(run.root)/line3/h1.disk"
        try FileManager.default.createSymbolicLink(atPath: "\(disk)/escape", withDestinationPath: "/etc")
        for target in ["/escape/passwd", "/../h2.disk/x", "/%2e%2e/x", "/a%2fb", "/%00"] {
            let fetch = try run.nicbed("exec", "h2", "fetch", "10.0.1.1", target, "/out.bin")
            #expect(fetch.status == 1, "\(target): \(fetch.output)")
            #expect(fetch.error.contains(" 40"), "\(target) must get a 4xx: \(fetch.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(run.root)/line3/h2.disk/out.bin"))
    }
}
