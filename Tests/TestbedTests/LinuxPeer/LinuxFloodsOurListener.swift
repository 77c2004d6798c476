import Foundation
import Testing

/// The Linux kernel as the flooding peer (RFC 4987): a raw socket in l1 (`scripts/synflood.py`,
/// what hping3 -S -a does) sends 20,000 SYNs in 10 s from successive source ports and a forged
/// neighbour address that never answers, so every half-open connection our h1 makes stays
/// until its SYN-ACK retries run out. Curl in the same namespace still downloads a file from
/// h1 within a second, during the flood and after. (hping3 itself, started from the test
/// process, sent at a small fraction of the rate asked for: its pacing timer is not reliable.)
@Suite("a SYN flood from the Linux kernel", .serialized)
struct LinuxFloodsOurListener {
    @Test(.enabled(if: LinuxPeerRun.canRun, "\(LinuxPeerRun.missing ?? "")"))
    func theFileServerKeepsServingThroughTwentyThousandSYNs() throws {
        let peer = try LinuxPeerRun()
        defer { peer.finish() }
        let source = try FilesOverRealProcesses.randomFile(1 << 20)
        defer { try? FileManager.default.removeItem(atPath: source) }
        #expect(try peer.nicbed("cp", source, "h1:/served.bin").status == 0)
        let got = "\(peer.directory)/got.bin"
        let url = "http://\(LinuxPeerRun.ours)/served.bin"

        let started = Date()
        let script = Environment.repository.appendingPathComponent("scripts/synflood.py").path
        let flood = try peer.inBackground(["exec", "l1", "--", "python3", script, "10.0.1.99", LinuxPeerRun.ours, "20000", "10"])
        // Once the half-open queue is full, every further SYN is answered with a cookie.
        #expect(try Deadline.waitUntil(seconds: 10, pollingEvery: 0.2) { (try peer.run.stats("h1").tcp?.synCookiesSent ?? 0) > 1000 },
                "the flood did not fill the queue: \(flood.transcript)")
        for _ in 0..<3 {
            let get = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "1", "-o", got, url)
            #expect(get.status == 0, "a download during the flood took more than a second: \(get.error)")
            #expect(try LinuxPeerRun.sha256(got) == LinuxPeerRun.sha256(source))
            #expect(!flood.output.contains("SYNs sent"), "the flood ended before this download")
            Thread.sleep(forTimeInterval: 0.5)
        }
        let ended = try flood.wait(seconds: 60)
        #expect(ended.status == 0 && ended.output.contains("20000 SYNs sent"), "\(ended.output) \(ended.error)")
        let floodSeconds = Date().timeIntervalSince(started)
        let after = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "1", "-o", got, url)
        #expect(after.status == 0, "after the flood: \(after.error)")

        let tcp = try #require(try peer.run.stats("h1").tcp)
        print("SYN flood from Linux: 20,000 SYNs in \(String(format: "%.1f", floodSeconds)) s, \(tcp.synCookiesSent) cookies sent, \(tcp.synCookiesValidated) validated, \(tcp.synCookiesFailed) failed, \(tcp.listenOverflows) accept-queue drops")
        #expect(tcp.synCookiesSent > 19_000)
        #expect(tcp.synCookiesValidated >= 3, "curl's connections during the flood came through cookies")
        try peer.downExpectingACleanCapture()
    }
}
