import Foundation
import SmartNIC
import Testbed
import Testing
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// `LiveCapture` on a pcap file a `PcapWriter` (the node's) writes: the header and the
/// records that pass the filter come out whole; history is skipped when joining a capture.
@Suite("live capture reading")
struct LiveCaptureReading {
    static func frame(protocolNumber: UInt8, destination: UInt8) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 14 + 20 + 8)
        frame[12] = 0x08
        frame[14] = 0x45
        frame[14 + 9] = protocolNumber
        frame[14 + 12...14 + 15] = [10, 0, 1, 1]
        frame[14 + 16...14 + 19] = [10, 0, 2, destination]
        return frame
    }

    static func records(in bytes: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 24
        while offset + 16 <= bytes.count {
            let length = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8
            records.append(Array(bytes[(offset + 16)..<(offset + 16 + length)]))
            offset += 16 + length
        }
        return records
    }

    @Test func copiesTheHeaderAndTheRecordsTheFilterPasses() throws {
        let directory = try TestRun.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try PcapWriter(path: "\(directory)/node.pcap")
        let udp = Self.frame(protocolNumber: 17, destination: 1), icmp = Self.frame(protocolNumber: 1, destination: 2)
        for frame in [udp, icmp, udp] { frame.withUnsafeBytes { writer.write($0, wallClockNanoseconds: 1) } }
        writer.flush()
        let output = open("\(directory)/out.pcap", O_WRONLY | O_CREAT, 0o644)
        var calls = 0
        let outcome = try LiveCapture(path: "\(directory)/node.pcap", filter: try FrameFilter.parse("udp"))
            .stream(to: output, fromStart: true) { calls += 1; return calls > 2 }
        close(output)
        #expect(outcome.framesSeen == 3 && outcome.framesWritten == 2)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/out.pcap")))
        #expect(Array(written.prefix(4)) == [0xd4, 0xc3, 0xb2, 0xa1])
        #expect(Self.records(in: written) == [udp, udp])
    }

    @Test func joiningARunningCaptureSkipsWhatWasAlreadyThere() throws {
        let directory = try TestRun.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try PcapWriter(path: "\(directory)/node.pcap")
        let old = Self.frame(protocolNumber: 17, destination: 1), new = Self.frame(protocolNumber: 6, destination: 9)
        for _ in 0..<5 { old.withUnsafeBytes { writer.write($0, wallClockNanoseconds: 1) } }
        writer.flush()
        let output = open("\(directory)/out.pcap", O_WRONLY | O_CREAT, 0o644)
        var calls = 0
        // The first check comes after the history was read; a frame written then is live.
        let outcome = try LiveCapture(path: "\(directory)/node.pcap", filter: nil).stream(to: output, fromStart: false) {
            calls += 1
            if calls == 2 {
                new.withUnsafeBytes { writer.write($0, wallClockNanoseconds: 2) }
                writer.flush()
            }
            return calls > 4
        }
        close(output)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/out.pcap")))
        #expect(Self.records(in: written) == [new], "outcome \(outcome)")
    }

    /// What the node flushed as its capture was stopped (or before Ctrl-C) is still copied:
    /// the stream reads the file once more after being told to stop.
    @Test func whatTheFileHoldsWhenToldToStopIsStillCopied() throws {
        let directory = try TestRun.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try PcapWriter(path: "\(directory)/node.pcap")
        let first = Self.frame(protocolNumber: 17, destination: 1), last = Self.frame(protocolNumber: 6, destination: 2)
        first.withUnsafeBytes { writer.write($0, wallClockNanoseconds: 1) }
        writer.flush()
        let output = open("\(directory)/out.pcap", O_WRONLY | O_CREAT, 0o644)
        var calls = 0
        _ = try LiveCapture(path: "\(directory)/node.pcap", filter: nil).stream(to: output, fromStart: true) {
            calls += 1
            // The last flush lands between the last read and the decision to stop.
            last.withUnsafeBytes { writer.write($0, wallClockNanoseconds: 2) }
            writer.close()
            return true
        }
        close(output)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(directory)/out.pcap")))
        #expect(Self.records(in: written) == [first, last])
        #expect(calls == 1)
    }

    @Test func aFileThatIsNotACaptureIsRefused() throws {
        let directory = try TestRun.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(repeating: 0x41, count: 64).write(to: URL(fileURLWithPath: "\(directory)/text.pcap"))
        #expect(throws: OrchestratorError.self) {
            _ = try LiveCapture(path: "\(directory)/text.pcap", filter: nil).stream(to: -1, fromStart: true) { false }
        }
    }
}
