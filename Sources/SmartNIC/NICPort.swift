import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One port of the emulated NIC, attached to one link: it frames Ethernet in the tunnel's
/// datagrams, accepts datagrams from its peer only, and records a capture when asked.
/// Sans-I/O: the node feeds it datagrams and gives it a `send` function for the socket.
public final class NICPort {
    public let name: String
    public let linkID: UInt32
    public let encapsulation: Encapsulation
    public var peer: UnderlayAddress
    public private(set) var counters = PortCounters()
    public var capture: PcapWriter?
    /// Timestamps for captured frames: the wall clock in a node, the virtual clock in a simulation.
    public var captureClock: () -> UInt64 = NICPort.wallClock
    /// Hands an encapsulated datagram to the underlay; false when it could not be sent.
    public var send: (UnsafeRawBufferPointer) -> Bool = { _ in false }
    /// Frames received from the link, for the stack above, with whether the card verified
    /// their checksums (the host then trusts the mark); valid only during the call.
    public var deliver: (_ frame: UnsafeRawBufferPointer, _ checksumsVerified: Bool) -> Void = { _, _ in }
    /// The card verifies IPv4/TCP/UDP checksums on receive and computes TCP checksums on
    /// transmit. Off, the host stack does both in software (the conventional NIC).
    public var checksumOffload = false

    public static let maximumFrameLength = 65_535
    /// 64 bytes on the wire less the 4-byte FCS, which tunnels do not carry.
    public static let minimumFrameLength = 60
    /// One transmit buffer, reused for every frame: the stack writes the frame right after the
    /// encapsulation header, so framing costs no copy and no allocation.
    private let transmitBuffer: UnsafeMutableRawBufferPointer

    public init(name: String, linkID: UInt32, peer: UnderlayAddress, encapsulation: Encapsulation = .vxlan) {
        precondition(linkID < 1 << 24, "VNI is 24 bits")
        self.name = name
        self.linkID = linkID
        self.peer = peer
        self.encapsulation = encapsulation
        transmitBuffer = .allocate(byteCount: Self.maximumFrameLength + VXLANHeaderView.length, alignment: 16)
    }

    deinit { transmitBuffer.deallocate() }

    /// A datagram arrived on the port's socket.
    public func receive(datagram: UnsafeRawBufferPointer, from source: UnderlayAddress) {
        counters.receivedDatagrams += 1
        guard source == peer else {
            counters.droppedForeignSource += 1
            return
        }
        let frame: UnsafeRawBufferPointer
        switch encapsulation {
        case .raw:
            frame = datagram
        case .vxlan:
            guard let header = try? VXLANHeaderView(checking: datagram) else {
                counters.droppedBadEncapsulation += 1
                return
            }
            guard header.vni == linkID else {
                counters.droppedWrongVNI += 1
                return
            }
            frame = header.frame
        }
        guard frame.count >= EthernetFrameView.headerLength else {
            counters.droppedBadEncapsulation += 1
            return
        }
        counters.receivedFrames += 1
        counters.receivedFrameBytes += frame.count
        capture?.write(frame, wallClockNanoseconds: captureClock())
        var verified = false
        if checksumOffload {
            switch ChecksumOffload.verify(frame) {
            case .verified:
                verified = true
                counters.checksumsVerified += 1
            case .bad:
                // Like a real NIC, a bad frame is passed up unmarked: the host's own check drops it.
                counters.checksumErrors += 1
            case .notCovered:
                break
            }
        }
        deliver(frame, verified)
    }

    /// Transmits a frame of `length` bytes that `fill` writes in place.
    public func transmit(length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        precondition(length <= Self.maximumFrameLength, "frame longer than the port's buffer")
        let headroom = encapsulation.headerLength
        fill(UnsafeMutableRawBufferPointer(rebasing: transmitBuffer[headroom..<(headroom + length)]))
        // Like a real MAC, the port pads runt frames (an ARP is 42 bytes) to Ethernet's minimum.
        let filled = length
        let length = max(filled, Self.minimumFrameLength)
        if filled < length {
            UnsafeMutableRawBufferPointer(rebasing: transmitBuffer[(headroom + filled)..<(headroom + length)]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        let frame = UnsafeMutableRawBufferPointer(rebasing: transmitBuffer[headroom..<(headroom + length)])
        if checksumOffload && ChecksumOffload.fill(frame) { counters.checksumsComputed += 1 }
        if encapsulation == .vxlan {
            VXLANRepr(vni: linkID).emit(into: transmitBuffer)
        }
        counters.transmittedFrames += 1
        counters.transmittedFrameBytes += length
        capture?.write(UnsafeRawBufferPointer(frame), wallClockNanoseconds: captureClock())
        if !send(UnsafeRawBufferPointer(rebasing: transmitBuffer[..<(headroom + length)])) {
            counters.droppedOnSend += 1
        }
    }

    /// Transmits a frame that already exists as bytes (a frame that waited for ARP).
    public func transmit(frame: [UInt8]) {
        transmit(length: frame.count) { buffer in
            frame.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
    }

    public static func wallClock() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
