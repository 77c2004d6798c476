import Wire

/// What one connection looks like from outside, at one moment (Linux's `ss -ti`, `tcp_info`):
/// for `sockets` on a node and the web view's per-host table. A copy; reading it changes nothing.
public struct TCPConnectionInfo: Sendable, Equatable, Codable {
    public var local: String
    public var remote: String
    public var state: String
    public var congestion: String
    /// cwnd and ssthresh in bytes; ssthresh is nil while it is still "arbitrarily high".
    public var cwnd: Int
    public var ssthresh: Int?
    public var mss: Int
    /// Smoothed RTT and its variance in microseconds (nil before the first sample), the RTO.
    public var srttMicroseconds: Int?
    public var rttvarMicroseconds: Int
    public var rtoMicroseconds: Int
    /// Sent and not yet acknowledged; written and not yet sent; received and not yet read.
    public var bytesInFlight: Int
    public var sendQueue: Int
    public var receiveQueue: Int
    public var peerWindow: Int
    public var bytesSent: Int
    public var bytesRetransmitted: Int
    public var retransmissionTimeouts: Int
    public var fastRetransmits: Int
    public var segmentsSent: Int
    public var segmentsReceived: Int
}

extension TCPConnection {
    public var info: TCPConnectionInfo {
        let ssthresh = congestion.slowStartThreshold
        return TCPConnectionInfo(
            local: "\(localAddress):\(localPort)", remote: "\(remoteAddress):\(remotePort)",
            state: state.rawValue, congestion: congestion.algorithm.rawValue,
            cwnd: congestion.congestionWindow, ssthresh: ssthresh == Int.max ? nil : ssthresh, mss: sendMSS,
            srttMicroseconds: rtt.smoothedRTT.map(Self.microseconds), rttvarMicroseconds: Self.microseconds(rtt.rttVariance),
            rtoMicroseconds: Self.microseconds(rtt.retransmissionTimeout),
            bytesInFlight: sndMax - sndUna, sendQueue: max(0, sendBuffer.count - (sndMax - sndUna)),
            receiveQueue: receiveBuffer.count, peerWindow: sndWnd,
            bytesSent: counters.bytesSent, bytesRetransmitted: counters.bytesRetransmitted,
            retransmissionTimeouts: counters.retransmissionTimeouts, fastRetransmits: counters.fastRetransmits,
            segmentsSent: counters.segmentsSent, segmentsReceived: counters.segmentsReceived)
    }

    private static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
    }
}

extension NetworkStack {
    /// Every connection the stack holds, by local then remote endpoint.
    public var tcpConnectionInfos: [TCPConnectionInfo] {
        tcpConnections.values.map(\.info).sorted { ($0.local, $0.remote) < ($1.local, $1.remote) }
    }
}
