import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// Sending many datagrams in one system call: sendmmsg, and within it UDP GSO (UDP_SEGMENT,
/// Linux 4.18) for each run of equal-size datagrams, which the kernel then carries as one
/// buffer as far as it can. A socket whose path refuses GSO (a datagram larger than the
/// device's MTU, as under docker's 1500-byte veths) stops asking for it and sends the runs as
/// single datagrams.
extension UDPSocket {
    /// Sends the datagrams described by `parts`, `ends` and `lengths`: datagram i is
    /// `parts[ends[i-1] ..< ends[i]]` (from 0 for the first), `lengths[i]` bytes in all. Returns
    /// how many left, in order, and whether the rest met a full socket buffer (EAGAIN, ENOBUFS:
    /// try again later) rather than an error.
    public func send(datagrams parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, ends: UnsafeBufferPointer<Int>,
                     lengths: UnsafeBufferPointer<Int>, to address: SocketAddress) -> (sent: Int, wouldBlock: Bool) {
        let batch = batchBuffers
        var storage = address.storage
        let count = ends.count
        var sent = 0
        while sent < count {
            // Messages from datagram `sent` on: GSO runs of one size, each at most
            // `gsoSegments` datagrams and 64 KiB.
            var messages = 0
            var iovecs = 0
            var datagram = sent
            while datagram < count && messages < UDPBatchBuffers.messageCapacity {
                let start = datagram == 0 ? 0 : ends[datagram - 1]
                let partsOfFirst = ends[datagram] - start
                guard iovecs + partsOfFirst <= UDPBatchBuffers.iovecCapacity else { break }
                let size = lengths[datagram]
                var last = datagram + 1
                var total = size
                var partTotal = partsOfFirst
                if batch.usesGSO {
                    // Same-size datagrams, and one shorter one may end the run.
                    while last < count && last - datagram < UDPBatchBuffers.gsoSegments {
                        let next = lengths[last]
                        let nextParts = ends[last] - ends[last - 1]
                        guard next <= size, total + next <= UDPBatchBuffers.gsoBytes,
                              iovecs + partTotal + nextParts <= UDPBatchBuffers.iovecCapacity else { break }
                        total += next
                        partTotal += nextParts
                        last += 1
                        if next < size { break }
                    }
                }
                let firstPart = start
                for index in 0..<partTotal {
                    let part = parts[firstPart + index]
                    batch.iovecs[iovecs + index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: part.baseAddress), iov_len: part.count)
                }
                withUnsafeMutablePointer(to: &storage) { name in
                    var header = msghdr()
                    header.msg_name = UnsafeMutableRawPointer(name)
                    header.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                    header.msg_iov = batch.iovecs.advanced(by: iovecs)
                    header.msg_iovlen = partTotal
                    if last - datagram > 1 {
                        let control = batch.control(messages)
                        control.storeBytes(of: UDPBatchBuffers.segmentControlLength, toByteOffset: 0, as: Int.self)
                        control.storeBytes(of: Int32(NICBED_SOL_UDP), toByteOffset: 8, as: Int32.self)
                        control.storeBytes(of: UDPBatchBuffers.udpSegment, toByteOffset: 12, as: Int32.self)
                        control.storeBytes(of: UInt16(size), toByteOffset: 16, as: UInt16.self)
                        header.msg_control = control
                        header.msg_controllen = UDPBatchBuffers.controlSpace
                    }
                    batch.messages[messages] = nicbed_mmsghdr(msg_hdr: header, msg_len: 0)
                    batch.datagramsIn[messages] = last - datagram
                }
                iovecs += partTotal
                messages += 1
                datagram = last
            }
            var fd: Int32 = -1
            _ = handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { uv_fileno($0, &fd) }
            let result = nicbed_sendmmsg(fd, batch.messages, UInt32(messages), 0)
            if result <= 0 {
                let error = errno
                if batch.usesGSO && (error == EINVAL || error == EIO || error == EMSGSIZE) && (0..<messages).contains(where: { batch.datagramsIn[$0] > 1 }) {
                    // The path cannot take GSO: every run goes again as single datagrams.
                    batch.usesGSO = false
                    continue
                }
                return (sent, error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS)
            }
            for message in 0..<Int(result) { sent += batch.datagramsIn[message] }
            // Some left: the next call sends them or reports why not.
        }
        return (sent, false)
    }
}

/// The arrays one batched send fills, allocated once per socket.
final class UDPBatchBuffers {
    static let messageCapacity = 256
    static let iovecCapacity = 1024
    /// The kernel's UDP_MAX_SEGMENTS, and what one GSO send may carry (a UDP datagram's limit).
    static let gsoSegments = 64
    static let gsoBytes = 65_000
    /// UDP_SEGMENT, and CMSG_LEN / CMSG_SPACE of its 16-bit value.
    static let udpSegment = Int32(NICBED_UDP_SEGMENT)
    static let segmentControlLength = MemoryLayout<cmsghdr>.size + 2
    static let controlSpace = MemoryLayout<cmsghdr>.size + 8

    let messages = UnsafeMutablePointer<nicbed_mmsghdr>.allocate(capacity: messageCapacity)
    let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: iovecCapacity)
    let controls = UnsafeMutableRawPointer.allocate(byteCount: messageCapacity * controlSpace, alignment: 8)
    /// How many datagrams each message carries (more than one with GSO).
    let datagramsIn = UnsafeMutablePointer<Int>.allocate(capacity: messageCapacity)
    /// Until the path refuses it once.
    var usesGSO = true

    func control(_ message: Int) -> UnsafeMutableRawPointer { controls.advanced(by: message * Self.controlSpace) }

    deinit {
        messages.deallocate()
        iovecs.deallocate()
        controls.deallocate()
        datagramsIn.deallocate()
    }
}
