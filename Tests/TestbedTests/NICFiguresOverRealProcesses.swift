import Foundation
import SmartNIC
import Testing

/// The payload cache measured where it runs: 100 MB between two node processes over real UDP,
/// once on smart NICs and once on conventional ones, checked by the counters the nodes report
/// (ARCHITECTURE.md, "The NIC"). Every byte is checked against the pattern as well.
@Suite("NIC figures between node processes", .serialized)
struct NICFiguresOverRealProcesses {
    static let bytes = 100_000_000

    /// Runs the transfer on `topology` (optionally every NIC in `mode`) and returns the sender's
    /// and the receiver's NIC reports.
    func measure(_ topology: String, mode: NICMode? = nil) throws -> (sender: NICReport, receiver: NICReport) {
        let run = try TestRun()
        defer { run.finish() }
        let up = try run.up(topology, mode.map { ["--nic", $0.rawValue] } ?? [])
        try #require(up.status == 0, "\(up.error)")
        let transfer = try run.transfer(bytes: Self.bytes)
        #expect(transfer.succeeded, "\(transfer.description)")
        #expect(transfer.receiver.output.contains("every byte matches the pattern"), "\(transfer.description)")
        return (try run.nicReport("h1", port: "h1:eth0"), try run.nicReport("h2", port: "h2:eth0"))
    }

    static func ratio(_ a: Int, _ b: Int) -> Double { Double(a) / Double(max(1, b)) }

    @Test func smartNICsCopyNoPayloadWithTheCPUAndMoveLittleMoreThanThePayloadOverTheBus() throws {
        let (sender, receiver) = try measure("topologies/pair.yaml", mode: .smart)
        #expect(sender.mode == .smart && receiver.mode == .smart)
        #expect(sender.counters.payloadBytesWritten == Self.bytes)
        #expect(receiver.counters.payloadBytesRead == Self.bytes)
        #expect(sender.counters.cpuCopiedBytes == 0)
        #expect(receiver.counters.cpuCopiedBytes == 0)
        #expect(sender.busBytesPerPayloadByte <= 1.10, "sender: \(sender.counters)")
        #expect(receiver.busBytesPerPayloadByte <= 1.10, "receiver: \(receiver.counters)")
        // write() DMAed the payload once; transmit moved headers only, so the rest is small.
        #expect(sender.counters.hostToCardBytes - Self.bytes < Self.bytes / 20)
        // The receiver fetched prefixes and DMAed each payload once, into the user's buffer.
        #expect(receiver.counters.cardToHostBytes - Self.bytes < Self.bytes / 10)
        #expect(sender.cardBytesPeak > 0 && sender.cardBytesNow == 0, "payloads stay on the card until ACKed, then go")
        #expect(receiver.cardBytesPeak > 0 && receiver.cardBytesNow == 0)
        #expect(sender.counters.transmitFallbacks == 0 && receiver.counters.receiveFallbacks == 0)
    }

    @Test func conventionalNICsCopyThePayloadOnceAtEachEndAndMoveWholeFrames() throws {
        let (sender, receiver) = try measure("topologies/pair.yaml", mode: .conventional)
        #expect(sender.mode == .conventional && receiver.mode == .conventional)
        #expect(sender.counters.cpuCopiedBytes == Self.bytes, "write() copies each byte once")
        #expect(receiver.counters.cpuCopiedBytes == Self.bytes, "read() copies each byte once")
        // Every frame crossed the bus whole, in both directions (less the padding of runt
        // frames, which the MAC adds on the wire).
        #expect(Self.ratio(sender.counters.hostToCardBytes, sender.wireBytesTransmitted).isAlmost(1))
        #expect(Self.ratio(sender.counters.cardToHostBytes, sender.wireBytesReceived).isAlmost(1))
        #expect(Self.ratio(receiver.counters.cardToHostBytes, receiver.wireBytesReceived).isAlmost(1))
        #expect(Self.ratio(receiver.counters.hostToCardBytes, receiver.wireBytesTransmitted).isAlmost(1))
        #expect(sender.cardMemoryBytes == 0)
    }

    @Test func aCardOf64KiBFallsBackToHostMemoryAndLosesNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("small-card-\(UUID().uuidString).yaml").path
        try """
        name: small-card
        defaults:
          nic: {mode: smart, card_memory: 64KiB}
        nodes:
          h1: {kind: host, interfaces: {eth0: {address: 10.0.0.1/24}}}
          h2: {kind: host, interfaces: {eth0: {address: 10.0.0.2/24}}}
        links:
          - endpoints: [h1:eth0, h2:eth0]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (sender, receiver) = try measure(path)
        #expect(sender.cardMemoryBytes == 64 << 10)
        #expect(sender.cardBytesPeak <= 64 << 10)
        // The 1 MiB send buffer cannot live on a 64 KiB card: most writes fall back, counted,
        // and their bytes are copied by the CPU.
        #expect(sender.counters.transmitFallbacks > 0)
        #expect(sender.counters.cpuCopiedBytes > 0)
        #expect(sender.counters.payloadBytesWritten == Self.bytes)
        #expect(receiver.counters.payloadBytesRead == Self.bytes)
        #expect(receiver.counters.droppedNoBuffer == 0)
    }
}

extension Double {
    /// Within a thousandth of `value`.
    func isAlmost(_ value: Double) -> Bool { abs(self - value) <= 0.001 * value }
}
