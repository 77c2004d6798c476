import Wire
#if canImport(Glibc)
import Glibc
#endif

/// One port of the emulated NIC, attached to one link: it frames Ethernet in the tunnel's
/// datagrams, accepts datagrams from its peer only, stores received frames in card memory (smart)
/// or DMAs them to host memory (conventional), offloads checksums, assembles transmitted frames
/// from headers and cached payloads, and records a capture when asked.
/// Sans-I/O: the node feeds it datagrams and gives it a `send` function for the socket.
public final class NICPort {
    public let name: String
    public let linkID: UInt32
    public let encapsulation: Encapsulation
    /// The only source whose datagrams the port accepts. A change is counted
    /// (`PortCounters.peerChanges`): a named peer found, or moved.
    public var peer: UnderlayAddress {
        didSet { if peer != oldValue { counters.peerChanges += 1 } }
    }
    public internal(set) var counters = PortCounters()
    public var capture: PcapWriter?
    /// Timestamps for captured frames: the wall clock in a node, the virtual clock in a simulation.
    public var captureClock: () -> UInt64 = NICPort.wallClock
    /// Hands an encapsulated datagram, given as its parts in order, to the underlay (one
    /// datagram, scatter/gather); false when it could not be sent. The parts are valid only
    /// during the call.
    public var send: (UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool = { _ in false }
    /// Frames received from the link, for the stack above; valid only during the call. The
    /// stack retains the parts of `frame` it keeps.
    public var deliver: (inout PacketBuffer) -> Void = { _ in }
    /// The host's driver for this card: its memories, its DMA and their counters.
    public let driver: NICDriver
    /// The card verifies IPv4/TCP/UDP checksums on receive and computes TCP checksums on
    /// transmit. Off, the host stack does both in software (the conventional NIC's default).
    public var checksumOffload: Bool
    /// A fault only an emulated card can have: it verifies checksums, finds a bad one, and
    /// marks the frame good anyway (`checksumErrorsHidden`), so the host, which trusts its card,
    /// takes the damaged bytes. What an end-to-end check (cp's SHA-256) is for.
    public var marksBadChecksumsGood = false

    /// What this end does to the frames it sends (ARCHITECTURE.md, "Topologies": each end impairs its own egress,
    /// so each direction of a link has its own settings). Set while running, it applies to
    /// frames transmitted afterwards; frames already waiting keep their release times. The
    /// first setting other than `.none` allocates the port's delay line (`delayLineSlots`
    /// slots of 9 KiB, allocated once); with `.none` frames go straight to `send`, as if there
    /// were no impairments at all.
    public var egress: Impairments = .none {
        didSet { egressChanged() }
    }
    /// What the far end does to the frames it sends, when that end has no port of ours to do
    /// it (a Linux namespace, a QEMU guest): applied here as they arrive, before the capture
    /// and the stack see them. Its counts join the egress's (`droppedLoss`, `delayed`, …).
    public var ingress: Impairments = .none {
        didSet { ingressChanged() }
    }
    /// Rules that drop chosen frames this end sends (`FrameFilter`), before the impairments; and
    /// those that drop chosen frames arriving from a peer with no port of ours to filter them.
    /// Changed through `setEgressRule` and `removeEgressRule`, which keep the rules' delay lines.
    public internal(set) var egressFilter = FrameFilter()
    public var ingressFilter = FrameFilter()
    /// The delay lines of the egress rules that delay or corrupt, by rule.
    var ruleShapers: [String: LinkShaper] = [:]
    /// Down, every frame transmitted or received is dropped and counted (`droppedLinkDown`),
    /// and so are the frames waiting in the delay lines when it goes down.
    public var isLinkUp = true {
        didSet {
            if !isLinkUp {
                counters.droppedLinkDown += (shaper?.discardAll() ?? 0) + (ingressShaper?.discardAll() ?? 0)
                    + ruleShapers.values.reduce(0) { $0 + $1.discardAll() }
            }
        }
    }
    /// The time impaired frames are sent at (`egress` other than `.none`): the node's loop time,
    /// or a simulation's virtual time. The same clock as `releaseDue(now:)`'s argument.
    public var clock: () -> Instant = NICPort.monotonicClock
    /// Seeds the egress impairments' random draws, so an impaired run can be replayed. Set it
    /// before `egress`; set later, it restarts the random sequence from the new seed.
    public var impairmentSeed: UInt64 = 0 {
        didSet {
            shaper?.injector.reseed(impairmentSeed)
            ingressShaper?.injector.reseed(ingressSeed)
        }
    }
    /// Frames the delay line can hold; read when `egress` is first set to something other than
    /// `.none`.
    public var delayLineSlots = NICPort.defaultDelayLineSlots
    /// The egress impairments' delay line, from the first time `egress` is not `.none`.
    var shaper: LinkShaper?
    /// Whether transmitted frames go through `shaper` (`egress` is not `.none`).
    var isImpaired = false
    /// The delay line of `ingress`, from the first time it is not `.none`.
    var ingressShaper: LinkShaper?
    var isIngressImpaired = false

    public static let maximumFrameLength = 65_535
    /// Slots of an impaired port's delay line unless `delayLineSlots` says otherwise.
    public static let defaultDelayLineSlots = LinkShaper.defaultSlotCount
    /// Longest datagram the delay line holds: a 9000-byte-MTU frame and the VXLAN header fit.
    public static let delayLineSlotSize = LinkShaper.slotSize
    /// 64 bytes on the wire less the 4-byte FCS, which tunnels do not carry.
    public static let minimumFrameLength = 60
    /// Most parts of one datagram: the headers, payload runs (2 KiB chunks at least, so a jumbo
    /// segment spans a few), and padding.
    public static let maximumParts = 64
    /// The card's transmit ring: headers DMAed from the host and the host-memory parts of
    /// payloads (the conventional path), each frame's right after its encapsulation header.
    /// Cached payloads never pass through it: they leave straight from card memory.
    public let ring: TransmitRing
    /// Frames wait in the ring until `flush()` (the node calls it once per loop iteration);
    /// off, each leaves as it is transmitted.
    public var batching = false
    /// Sends every frame staged in the ring at once (sendmmsg) and says how many left; without
    /// it, `flush()` sends them one by one through `send`.
    public var sendBatch: ((TransmitRing) -> BatchSendResult)?
    /// The socket's buffer was full at the last flush: the frames it did not take wait in the
    /// ring, and the stack sends no new data while the ring has no room (`makeTransmitRoom()`).
    public internal(set) var isTransmitStopped = false
    /// Told when a stopped port's ring has drained: the stack resumes what it held back.
    public var onTransmitResumed: (() -> Void)?
    /// Whether one more frame can be staged without dropping one. A full ring is flushed
    /// first, as `transmit` would; only a ring the socket would not drain (the queue stopped)
    /// has no room.
    public func makeTransmitRoom() -> Bool {
        if ring.hasRoom { return true }
        if !isTransmitStopped { flush() }
        return ring.hasRoom
    }
    /// Zeros that pad runt frames.
    nonisolated(unsafe) static let padding: UnsafeRawBufferPointer = {
        let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: NICPort.minimumFrameLength, alignment: 16)
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
        return UnsafeRawBufferPointer(zeros)
    }()

    public init(name: String, linkID: UInt32, peer: UnderlayAddress, encapsulation: Encapsulation = .vxlan,
                driver: NICDriver = NICDriver(configuration: .conventional)) {
        precondition(linkID < 1 << 24, "VNI is 24 bits")
        self.name = name
        self.linkID = linkID
        self.peer = peer
        self.encapsulation = encapsulation
        self.driver = driver
        checksumOffload = driver.configuration.checksumOffload
        ring = TransmitRing(largestFrame: Self.maximumFrameLength + VXLANHeaderView.length)
    }

    /// A datagram arrived on the port's socket.
    public func receive(datagram: UnsafeRawBufferPointer, from source: UnderlayAddress) {
        counters.receivedDatagrams += 1
        guard isLinkUp else {
            counters.droppedLinkDown += 1
            return
        }
        guard source == peer else {
            counters.droppedForeignSource += 1
            return
        }
        guard let frame = decapsulate(datagram) else { return }
        if !ingressFilter.isEmpty, ingressFilter.drops(frame) {
            counters.droppedByFilter += 1
            return
        }
        // Only a frame the link would carry is impaired: garbage takes no delay-line slot.
        if isIngressImpaired, let ingressShaper {
            withUnsafePointer(to: datagram) {
                ingressShaper.offer(UnsafeBufferPointer(start: $0, count: 1), headroom: encapsulation.headerLength, now: clock())
            }
            return
        }
        admit(frame: frame)
    }

    /// The Ethernet frame inside a datagram from the peer, or nil (counted) when the
    /// datagram carries none for this link.
    func decapsulate(_ datagram: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let frame: UnsafeRawBufferPointer
        switch encapsulation {
        case .raw:
            frame = datagram
        case .vxlan:
            guard let header = try? VXLANHeaderView(checking: datagram) else {
                counters.droppedBadEncapsulation += 1
                return nil
            }
            guard header.vni == linkID else {
                counters.droppedWrongVNI += 1
                return nil
            }
            frame = header.frame
        }
        guard frame.count >= EthernetFrameView.headerLength else {
            counters.droppedBadEncapsulation += 1
            return nil
        }
        return frame
    }

    /// A frame the link lets through: counted, captured, landed in memory and handed to the
    /// stack.
    func admit(frame: UnsafeRawBufferPointer) {
        counters.receivedFrames += 1
        counters.receivedFrameBytes += frame.count
        capture?.write(frame, wallClockNanoseconds: captureClock())
        guard var packet = driver.land(frame) else { return }
        var verified = false
        if checksumOffload {
            switch ChecksumOffload.verify(frame) {
            case .verified:
                verified = true
                counters.checksumsVerified += 1
            case .bad:
                // Like a real NIC, a bad frame is passed up unmarked: the host's own check drops it.
                counters.checksumErrors += 1
                if marksBadChecksumsGood {
                    counters.checksumErrorsHidden += 1
                    verified = true
                }
            case .notCovered:
                break
            }
        }
        packet.checksumsVerified = verified
        deliver(&packet)
        packet.frame.release()
    }

    /// CLOCK_MONOTONIC, for `clock` until the node sets its loop's time.
    public static func monotonicClock() -> Instant {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Instant(nanoseconds: UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec))
    }

    public static func wallClock() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
