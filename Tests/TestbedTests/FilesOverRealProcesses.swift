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
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let upload = try run.nicbed("cp", file, "h1:/big.bin")
        #expect(upload.status == 0 && Self.digestsMatch(upload.output), "\(upload.output) \(upload.error)")
        // 1% loss and 10 ms delay on the r1-h2 link: data loses segments, both ways are slow.
        #expect(try run.nicbed("link", "set", "r1:eth1", "loss", "1%", "delay", "10ms").status == 0)
        #expect(try run.nicbed("link", "set", "h2:eth0", "delay", "10ms").status == 0)
        // About 6 minutes here: loss and a 20 ms round trip hold TCP to a few Mbit/s.
        let copy = try run.nicbed("cp", "h1:/big.bin", "h2:/big.bin", seconds: 1500)
        #expect(copy.status == 0, "\(copy.output) \(copy.error)")
        #expect(Self.digestsMatch(copy.output), "\(copy.output)")
        #expect(copy.output.contains("fetched 268435456 bytes"), "\(copy.output)")
        // Compared here, not by cp's own digest: the file h2 holds is the one we made.
        #expect(try FileBytes.difference(file, "\(run.root)/line3/h2.disk/big.bin") == nil)
        // The loss was applied where it was set, at the rate it was set: r1:eth1 sends the data
        // to h2 and lost about 1% of it; the link into r1 and h2's own egress lost nothing.
        let router = try run.stats("r1")
        let toH2 = try router.port("r1:eth1")
        let lossRate = Double(toH2.droppedLoss) / Double(max(1, toH2.transmittedFrames))
        #expect(toH2.transmittedFrames > 180_000, "256 MiB is about 184,000 full segments: \(toH2)")
        #expect(lossRate > 0.007 && lossRate < 0.013, "r1:eth1 lost \(toH2.droppedLoss) of \(toH2.transmittedFrames) frames")
        #expect(toH2.delayed > 0, "\(toH2)")
        #expect(try router.port("r1:eth0").droppedLoss == 0)
        #expect(try run.stats("h2").port("h2:eth0").droppedLoss == 0)
    }

    @Test func a256MiBFileCrossesTheFabricBetweenLeaves() throws {
        let file = try Self.randomFile(256 << 20)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try TestRun(ports: 32)
        defer { run.finish() }
        try #require(try run.up("topologies/leaf-spine.yaml").status == 0)
        #expect(try run.nicbed("cp", file, "h1:/big.bin").status == 0)
        // h1 (leaf 1) to h8 (leaf 4): up spine 1, down to leaf 4; the answer back by spine 2.
        let copy = try run.nicbed("cp", "h1:/big.bin", "h8:/big.bin")
        #expect(copy.status == 0 && Self.digestsMatch(copy.output), "\(copy.output) \(copy.error)")
        // Compared here, not by cp's own digest.
        #expect(try FileBytes.difference(file, "\(run.root)/leaf-spine/h8.disk/big.bin") == nil)
    }

    @Test func a1GiBTransferStaysUnder64MiBOfMemoryPerNode() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        // A sparse gigabyte: its bytes come from the page cache, not from this test's memory.
        let disk = "\(run.root)/line3/h1.disk/gigabyte.bin"
        #expect(FileManager.default.createFile(atPath: disk, contents: nil) && truncate(disk, 1 << 30) == 0)
        let copy = try run.nicbed("cp", "h1:/gigabyte.bin", "h2:/gigabyte.bin")
        #expect(copy.status == 0 && Self.digestsMatch(copy.output), "\(copy.output) \(copy.error)")
        #expect(copy.output.contains("fetched 1073741824 bytes"), "\(copy.output)")
        // The peak resident set of each process, as the kernel recorded it (VmHWM).
        var peaks: [String] = []
        for node in ["h1", "r1", "h2"] {
            let peak = try Self.peakResidentKiB(pid: run.pid(of: node, in: "line3"))
            peaks.append("\(node) \(peak) KiB")
            #expect(peak < 64 * 1024, "\(node) peaked at \(peak) KiB")
        }
        print("peak resident memory during a 1 GiB copy: \(peaks.joined(separator: ", "))")
    }

    static func peakResidentKiB(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }, "no VmHWM for \(pid): \(status)")
        return try #require(Int(line.split(separator: " ").dropFirst().first ?? ""), "\(line)")
    }

    @Test func aCopyCutByAKilledRouterFailsClearlyAndResumes() throws {
        let size = 64 << 20
        let file = try Self.randomFile(size)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        #expect(try run.nicbed("cp", file, "h1:/big.bin").status == 0)
        // Slow the path (64 MiB take 13 s at 40 Mbit/s) so the copy still runs when the router dies.
        #expect(try run.nicbed("link", "set", "r1:eth1", "rate", "40Mbit").status == 0)
        let destination = "\(run.root)/line3/h2.disk/big.bin"
        let copy = try run.background(["cp", "h1:/big.bin", "h2:/big.bin"])
        // Under way: a few MiB have arrived.
        #expect(Deadline.waitUntil(seconds: 30) { (FileBytes.size(destination) ?? 0) >= 4 << 20 },
                "the copy did not start: \(copy.transcript)")
        kill(try run.pid(of: "r1", in: "line3"), SIGKILL)
        let cut = try copy.wait(seconds: 60)
        #expect(cut.status == 1, "\(cut.output) \(cut.error)")
        #expect(cut.error.contains("`nicbed cp --resume` (or `fetch --resume`) continues from there"),
                "the failure says how to continue: \(cut.output) \(cut.error)")
        let partial = try #require(FileBytes.size(destination))
        #expect(partial >= 4 << 20 && partial < size, "part of the file arrived: \(partial)")
        #expect(try FileBytes.difference(file, destination, prefix: partial) == nil, "what arrived is the file's beginning")
        // The topology comes back (the disks stay), and the copy finishes from where it stopped:
        // it asks for the missing part only and gets exactly that.
        #expect(try run.nicbed("down").status == 0)
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let resumed = try run.nicbed("cp", "--resume", "h1:/big.bin", "h2:/big.bin")
        #expect(resumed.status == 0 && Self.digestsMatch(resumed.output), "\(resumed.output) \(resumed.error)")
        #expect(resumed.output.contains("size \(size) bytes (64.0 MiB), \(partial) already here"), "\(resumed.output)")
        #expect(resumed.output.contains("fetched \(size - partial) bytes"), "\(resumed.output)")
        #expect(resumed.output.contains("big.bin has \(size) bytes"), "\(resumed.output)")
        #expect(try FileBytes.difference(file, destination) == nil)
    }

    @Test func theServerRefusesPathsOutsideItsDisk() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        // A secret next to h1's disk, in the run directory: a server that followed `..`, a
        // symlink, a decoded slash or a NUL would serve it (or a copy of it) to h2.
        let directory = "\(run.root)/line3"
        let disk = "\(directory)/h1.disk"
        let secret = "secret-\(UUID().uuidString)\n"
        try secret.write(toFile: "\(directory)/secret.txt", atomically: true, encoding: .utf8)
        // A symlink in h1's disk that leads out of it, to the secret's folder.
        try FileManager.default.createSymbolicLink(atPath: "\(disk)/escape", withDestinationPath: directory)
        // Inside the disk, named so that a server cutting at a NUL or decoding %2f into a
        // separator would find them.
        try FileManager.default.createDirectory(atPath: "\(disk)/a", withIntermediateDirectories: true)
        try secret.write(toFile: "\(disk)/a/b", atomically: true, encoding: .utf8)
        try secret.write(toFile: "\(disk)/x", atomically: true, encoding: .utf8)
        // A file it may serve, so the refusals are the paths' doing.
        try "public\n".write(toFile: "\(disk)/public.txt", atomically: true, encoding: .utf8)
        let allowed = try run.nicbed("exec", "h2", "fetch", "10.0.1.1", "/public.txt", "/public.txt", seconds: 60)
        #expect(allowed.status == 0, "\(allowed.output) \(allowed.error)")
        #expect(try String(contentsOfFile: "\(run.root)/line3/h2.disk/public.txt", encoding: .utf8) == "public\n")

        let refusals: [(target: String, status: Int)] = [
            ("/escape/secret.txt", 403), ("/../secret.txt", 403), ("/%2e%2e/secret.txt", 403), ("/%2E%2E/secret.txt", 403),
            ("/..%2fsecret.txt", 400), ("/a%2fb", 400), ("/x%00", 400), ("/x%00.txt", 400),
        ]
        for (index, refusal) in refusals.enumerated() {
            let fetch = try run.nicbed("exec", "h2", "fetch", "10.0.1.1", refusal.target, "/out-\(index).bin", seconds: 60)
            #expect(fetch.status == 1, "\(refusal.target): \(fetch.output) \(fetch.error)")
            #expect(fetch.error.contains("fetch: http://10.0.1.1:80\(refusal.target): \(refusal.status) "),
                    "\(refusal.target) must get a \(refusal.status): \(fetch.error)")
            #expect(!fetch.output.contains(secret) && !fetch.error.contains(secret))
            #expect(!FileManager.default.fileExists(atPath: "\(run.root)/line3/h2.disk/out-\(index).bin"), "\(refusal.target)")
        }
        // The secret's bytes are nowhere on h2's disk.
        let received = try FileManager.default.contentsOfDirectory(atPath: "\(run.root)/line3/h2.disk")
        for name in received {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(run.root)/line3/h2.disk/\(name)"))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "h2 received the secret in \(name)")
        }
    }
}
