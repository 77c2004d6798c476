/// A node's TCP congestion control as the topology names it (`tcp: {congestion: cubic}`). The
/// topology only names it; the node runtime hands the stack its implementation.
public enum TCPCongestion: String, Sendable, CaseIterable, Codable {
    /// RFC 5681 with RFC 6582's recovery.
    case newReno = "newreno"
    /// RFC 9438.
    case cubic = "cubic"
}
