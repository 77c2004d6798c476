/// The eleven states of RFC 9293 §3.3.2.
public enum TCPState: String, Sendable, CaseIterable {
    case closed = "CLOSED"
    case listen = "LISTEN"
    case synSent = "SYN-SENT"
    case synReceived = "SYN-RECEIVED"
    case established = "ESTABLISHED"
    case finWait1 = "FIN-WAIT-1"
    case finWait2 = "FIN-WAIT-2"
    case closeWait = "CLOSE-WAIT"
    case closing = "CLOSING"
    case lastAck = "LAST-ACK"
    case timeWait = "TIME-WAIT"

    /// States after the handshake in which sequence numbers are synchronized.
    var isSynchronized: Bool {
        switch self {
        case .closed, .listen, .synSent, .synReceived: return false
        default: return true
        }
    }

    /// States in which the peer may still send us data.
    var acceptsData: Bool { self == .established || self == .finWait1 || self == .finWait2 }

    /// States in which our side has not yet queued its FIN.
    var canSend: Bool { self == .established || self == .closeWait }
}

/// Why a connection ended, in words an application can show.
public enum TCPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer answered our SYN with a reset: nothing listens there.
    case refused
    /// The peer reset an established connection.
    case reset
    /// Retransmissions (or probes) went unanswered for too long.
    case timedOut
    /// This side aborted (the application, or a close with unread data).
    case aborted
    /// An ICMP error ended the attempt (port unreachable in answer to our SYN), or was the
    /// last word heard before the connection timed out.
    case unreachable(TCPICMPError)

    public var description: String {
        switch self {
        case .refused: return "connection refused"
        case .reset: return "connection reset by peer"
        case .timedOut: return "connection timed out"
        case .aborted: return "connection aborted"
        case let .unreachable(error): return "\(error)"
        }
    }
}

/// What a connection tells its application.
public enum TCPEvent: Sendable, Equatable {
    case connected
    /// Data can be read.
    case readable
    /// Send buffer space opened up again after `send` accepted less than offered.
    case writable
    /// The peer sent FIN: everything it will ever send has been delivered or is buffered.
    case endOfStream
    /// The connection is gone; nil when it closed normally.
    case closed(TCPError?)
}
