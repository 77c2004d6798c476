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
    /// Datagrams that are not a VXLAN header followed by an Ethernet frame.
    public var droppedBadEncapsulation = 0
    /// VXLAN datagrams for another link's VNI.
    public var droppedWrongVNI = 0
    /// Frames the underlay socket refused (its buffer was full).
    public var droppedOnSend = 0
    /// Checksum offload: received frames the card verified, found bad, and TCP checksums it computed.
    public var checksumsVerified = 0
    public var checksumErrors = 0
    public var checksumsComputed = 0

    public init() {}
}
