/// What a NIC port saw and did, frame by frame. Every drop has its own reason, so a test or a
/// user can tell a foreign sender from a broken encapsulation.
public struct PortCounters: Sendable, Equatable, Codable {
    public var receivedDatagrams = 0
    public var receivedFrames = 0
    public var receivedFrameBytes = 0
    public var transmittedFrames = 0
    public var transmittedFrameBytes = 0
    /// Datagrams whose source is not the configured peer.
    public var droppedForeignSource = 0
    /// Times the peer's address changed after the port was made: a peer given by name (a
    /// container's service name) once it was found, and each time it moved (a restart).
    public var peerChanges = 0
    /// Datagrams that are not a VXLAN header followed by an Ethernet frame.
    public var droppedBadEncapsulation = 0
    /// VXLAN datagrams for another link's VNI.
    public var droppedWrongVNI = 0
    /// Frames the underlay socket refused (its buffer was full).
    public var droppedOnSend = 0
    /// Times the socket's buffer was full and the port's queue stopped (frames kept, the
    /// stack held back), and frames dropped because the ring was full while it was stopped.
    public var transmitStops = 0
    public var droppedRingFull = 0
    /// Flushes of the transmit ring that went out as one batch (sendmmsg): transmitted frames
    /// over this is the frames per system call.
    public var transmitBatches = 0
    /// Checksum offload: received frames the card verified, found bad, and TCP checksums it computed.
    public var checksumsVerified = 0
    public var checksumErrors = 0
    /// Of those, the ones the card marked good all the same (`NICPort.marksBadChecksumsGood`).
    public var checksumErrorsHidden = 0
    public var checksumsComputed = 0

    // Link impairments on egress (`NICPort.egress`) and the link's state. A frame the host
    // transmits is counted in `transmittedFrames` before any of these act on it.

    /// Frames a rule of the port's filters picked and dropped (`NICPort.egressFilter`, or
    /// `ingressFilter` for a peer with no port of ours).
    public var droppedByFilter = 0
    /// Frames lost by the impairments' `loss` (independent or bursty).
    public var droppedLoss = 0
    /// Tail drops at the rate limiter: its queue held `queueLimit` bytes already.
    public var droppedQueueFull = 0
    /// Tail drops at the delay line: every slot of the port's pool held a waiting frame (or the
    /// frame was longer than a slot).
    public var droppedDelayLineFull = 0
    /// Frames dropped because the link was down: sent, received, or waiting in the delay line
    /// when it went down.
    public var droppedLinkDown = 0
    /// Frames sent twice, copies with one bit flipped, copies sent ahead of the delay.
    public var duplicated = 0
    public var corrupted = 0
    public var reordered = 0
    /// Copies held in the delay line (delay, jitter or rate) and sent later.
    public var delayed = 0

    public init() {}
}
