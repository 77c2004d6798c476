#if canImport(Glibc)
import Glibc
#endif
import Wire

/// Writes frames to a classic pcap file (linktype Ethernet, microsecond timestamps), the
/// format tshark, tcpdump and Wireshark read. Records are written as they happen; the file is
/// flushed on close and every second by the node, so a capture of a running node is readable.
public final class PcapWriter {
    public static let linkTypeEthernet: UInt32 = 1
    public let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private var record = [UInt8](repeating: 0, count: 16)
    public let snapLength: Int

    public init(path: String, snapLength: Int = 65_535) throws(PcapError) {
        self.path = path
        self.snapLength = snapLength
        guard let file = fopen(path, "wb") else { throw PcapError(path: path, reason: String(cString: strerror(errno))) }
        self.file = file
        var header = [UInt8](repeating: 0, count: 24)
        header.withUnsafeMutableBytes { b in
            // Little-endian magic: readers detect byte order from it.
            b.storeBytes(of: UInt32(0xa1b2_c3d4).littleEndian, toByteOffset: 0, as: UInt32.self)
            b.storeBytes(of: UInt16(2).littleEndian, toByteOffset: 4, as: UInt16.self)
            b.storeBytes(of: UInt16(4).littleEndian, toByteOffset: 6, as: UInt16.self)
            b.storeBytes(of: UInt32(snapLength).littleEndian, toByteOffset: 16, as: UInt32.self)
            b.storeBytes(of: Self.linkTypeEthernet.littleEndian, toByteOffset: 20, as: UInt32.self)
        }
        fwrite(header, 1, header.count, file)
    }

    /// Records one frame; `wallClockNanoseconds` is the real time (pcap readers show dates).
    public func write(_ frame: UnsafeRawBufferPointer, wallClockNanoseconds: UInt64) {
        guard let file else { return }
        let captured = min(frame.count, snapLength)
        writeRecordHeader(captured: captured, length: frame.count, wallClockNanoseconds: wallClockNanoseconds)
        if captured > 0 { fwrite(frame.baseAddress, 1, captured, file) }
    }

    /// Records one frame given as the parts of a datagram, leaving out the first `skip` bytes of
    /// the first part (the tunnel's encapsulation header).
    public func write(parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, skippingFirst skip: Int, wallClockNanoseconds: UInt64) {
        guard let file else { return }
        let length = parts.reduce(0) { $0 + $1.count } - skip
        let captured = min(length, snapLength)
        writeRecordHeader(captured: captured, length: length, wallClockNanoseconds: wallClockNanoseconds)
        var remaining = captured
        var toSkip = skip
        for part in parts where remaining > 0 {
            let start = min(toSkip, part.count)
            toSkip -= start
            let take = min(part.count - start, remaining)
            if take > 0 { fwrite(part.baseAddress! + start, 1, take, file) }
            remaining -= take
        }
    }

    private func writeRecordHeader(captured: Int, length: Int, wallClockNanoseconds: UInt64) {
        guard let file else { return }
        let seconds = UInt32(truncatingIfNeeded: wallClockNanoseconds / 1_000_000_000)
        let micros = UInt32(truncatingIfNeeded: wallClockNanoseconds % 1_000_000_000 / 1000)
        record.withUnsafeMutableBytes { b in
            b.storeBytes(of: seconds.littleEndian, toByteOffset: 0, as: UInt32.self)
            b.storeBytes(of: micros.littleEndian, toByteOffset: 4, as: UInt32.self)
            b.storeBytes(of: UInt32(captured).littleEndian, toByteOffset: 8, as: UInt32.self)
            b.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 12, as: UInt32.self)
        }
        fwrite(record, 1, 16, file)
    }

    public func flush() { if let file { fflush(file) } }

    public func close() {
        if let file { fclose(file) }
        file = nil
    }

    deinit { close() }
}

public struct PcapError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write capture \(path): \(reason)" }
}
