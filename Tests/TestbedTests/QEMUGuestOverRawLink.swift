import Foundation
import Testing

/// A real QEMU guest (a Debian kernel and busybox, built by scripts/qemu-guest) as the external
/// node of topologies/qemu-guest.yaml, joined with exactly the options `nicbed up` prints: the
/// guest's kernel pings our host and downloads a file from its server over our TCP, and our
/// host pings the guest. QEMU runs with TCG, so it needs no KVM (nested KVM is unreliable in
/// VMs such as CI's).
@Suite("a QEMU guest as an external node", .serialized)
struct QEMUGuestOverRawLink {
    static var missing: String? {
        let absent = ["qemu-system-x86_64", "busybox", "apt-get", "dpkg-deb"].filter { !Environment.has($0) }
        if !absent.isEmpty { return "needs \(absent.joined(separator: ", ")) (apt-get install qemu-system-x86 busybox-static)" }
        // -netdev dgram came with QEMU 7.2.
        guard let qemu = Environment.path(of: "qemu-system-x86_64"),
              let version = try? CommandRunner.run(qemu, ["--version"]).output,
              let numbers = version.split(separator: " ").first(where: { $0.first?.isNumber == true })?.split(separator: "."),
              numbers.count >= 2, let major = Int(numbers[0]), let minor = Int(numbers[1]) else { return "cannot read QEMU's version" }
        return (major, minor) >= (7, 2) ? nil : "needs QEMU 7.2 or later for -netdev dgram (found \(major).\(minor))"
    }

    @Test(.enabled(if: missing == nil || Environment.isCI, "\(missing ?? "")"))
    func theGuestPingsFetchesAndIsPinged() throws {
        let guest = Environment.repository.appendingPathComponent(".build/qemu-guest").path
        let build = try CommandRunner.run("/bin/bash", [Environment.repository.appendingPathComponent("scripts/qemu-guest").path, guest])
        try #require(build.status == 0, "scripts/qemu-guest: \(build.output) \(build.error)")

        let run = try TestRun(ports: 2)
        defer { run.finish() }
        let up = try run.up("topologies/qemu-guest.yaml")
        try #require(up.status == 0, "\(up.output) \(up.error)")
        // The line `up` prints, as a user would paste it (the comment after # dropped).
        let line = try #require(up.output.split(separator: "\n").first { $0.contains("-netdev dgram") })
        let options = line.split(separator: "#")[0].split(separator: " ").map(String.init)

        let file = try FilesOverRealProcesses.randomFile(1 << 20)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(try run.nicbed("cp", file, "h1:/hello.bin").status == 0)

        let qemu = try BackgroundCommand(
            try #require(Environment.path(of: "qemu-system-x86_64")),
            ["-accel", "tcg", "-m", "256", "-nographic", "-no-reboot", "-kernel", "\(guest)/vmlinuz", "-initrd", "\(guest)/initrd.gz",
             "-append", "console=ttyS0 quiet panic=-1 guest.fetch=http://10.0.1.1/hello.bin guest.sleep=120"] + options,
            directory: run.root)
        defer { qemu.stop() }
        #expect(qemu.waitFor("GUEST-READY", seconds: 240), "the guest did not come up: \(qemu.output.suffix(2000))")
        #expect(qemu.output.contains("GUEST-PING: OK 10.0.1.1"), "\(qemu.output.suffix(2000))")
        let digest = try LinuxPeerRun.sha256(file)
        #expect(qemu.output.contains("GUEST-FETCH: \(digest)"), "the guest's copy differs: \(qemu.output.suffix(1000))")

        let ping = try run.nicbed("exec", "h1", "ping", "-c", "3", "-i", "0.2", "10.0.1.2")
        #expect(ping.status == 0 && ping.output.contains("3 received"), "\(ping.output) \(ping.error)")
    }
}
