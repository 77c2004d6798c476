#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Wire

/// Follows a node's pcap file as it grows (the node flushes it five times a second) and copies
/// its records to a file descriptor, those a filter lets through: `nicbed capture -w -` piped
/// into `tshark -r -` or `wireshark -k -i -`.
public struct LiveCapture {
    public let path: String
    public let filter: FrameFilter?

    public init(path: String, filter: FrameFilter?) {
        self.path = path
        self.filter = filter
    }

    public struct Outcome: Sendable, Equatable {
        public var framesSeen = 0
        public var framesWritten = 0
        /// The reader went away (a broken pipe: `tshark -c 10` has its ten).
        public var readerClosed = false
    }

    /// Copies records until `shouldStop` says so or the reader closes. `fromStart` copies the
    /// records already in the file; otherwise streaming begins with the next record written.
    /// Once told to stop, what the file holds by then is still copied (a stopped capture's
    /// last flush, the frames before Ctrl-C), then the stream ends.
    public func stream(to output: Int32, fromStart: Bool, shouldStop: () -> Bool) throws(OrchestratorError) -> Outcome {
        let input = open(path, O_RDONLY)
        guard input >= 0 else { throw OrchestratorError("cannot read capture \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(input) }
        var outcome = Outcome()
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        // The global header first (the node writes it when the capture starts).
        while pending.count < 24 {
            if readSome(input, into: &pending, chunk: &chunk) { continue }
            if shouldStop() { return outcome }
            usleep(50_000)
        }
        let magic = pending.prefix(4)
        guard Array(magic) == [0xd4, 0xc3, 0xb2, 0xa1] else {
            throw OrchestratorError("\(path) is not a pcap file nicbed wrote (magic \(magic.map { String($0, radix: 16) }.joined(separator: " ")))")
        }
        guard writeAll(output, pending[0..<24]) else { outcome.readerClosed = true; return outcome }
        pending.removeFirst(24)
        var skipping = !fromStart
        var drainRounds: Int?
        while true {
            let grew = readSome(input, into: &pending, chunk: &chunk)
            var offset = 0
            var batch: [UInt8] = []
            while pending.count - offset >= 16 {
                let captured = Int(UInt32(pending[offset + 8]) | UInt32(pending[offset + 9]) << 8
                                   | UInt32(pending[offset + 10]) << 16 | UInt32(pending[offset + 11]) << 24)
                guard captured <= 262_144 else {
                    throw OrchestratorError("\(path): a record of \(captured) bytes at a record boundary; the file is not a capture being written by a node")
                }
                guard pending.count - offset >= 16 + captured else { break }
                let record = pending[offset..<(offset + 16 + captured)]
                offset += 16 + captured
                if skipping { continue }
                outcome.framesSeen += 1
                let keep = filter.map { filter in
                    record.withUnsafeBytes { filter.matches(UnsafeRawBufferPointer(rebasing: $0[16...])) }
                } ?? true
                if keep {
                    batch += record
                    outcome.framesWritten += 1
                }
            }
            pending.removeFirst(offset)
            // What was in the file when we came is history; from here on everything is live.
            if !grew { skipping = false }
            if !batch.isEmpty && !writeAll(output, batch[...]) { outcome.readerClosed = true; return outcome }
            if let rounds = drainRounds {
                // A file still growing fast ends the drain after a bounded number of reads.
                if !grew || rounds == 0 { return outcome }
                drainRounds = rounds - 1
                continue
            }
            if shouldStop() {
                drainRounds = 16
                continue
            }
            if !grew { usleep(50_000) }
        }
    }

    /// Appends what the file has beyond what was read; false when there was nothing new.
    private func readSome(_ fd: Int32, into pending: inout [UInt8], chunk: inout [UInt8]) -> Bool {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        pending += chunk[0..<count]
        return true
    }

    /// Writes all of `bytes`; false when the reader has gone (EPIPE with SIGPIPE ignored).
    private func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            written += count
        }
        return true
    }
}
