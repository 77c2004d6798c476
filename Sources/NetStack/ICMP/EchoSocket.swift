import Wire

/// An ICMP echo endpoint, as Linux's ping sockets (`socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`)
/// are: the stack gives it an identifier of its own, sends the echo requests it is handed, and
/// gives it back the replies and the ICMP errors that quote one of its requests. What to send
/// when, and what to make of the answers, is the application's (Apps' ping).
public final class EchoSocket {
    /// An ICMP error about one of this socket's requests, or a next hop ARP gave up on.
    public enum Failure: Sendable, Equatable {
        /// Destination unreachable (RFC 792 type 3) with its code.
        case unreachable(code: UInt8)
        /// Time exceeded (type 11): code 0 in transit, 1 in reassembly.
        case timeExceeded(code: UInt8)
        /// Parameter problem (type 12): a router or the destination could not read our header.
        case parameterProblem
        /// The next hop towards the destination never answered ARP (reported by this host).
        case nextHopUnreachable
    }

    public struct Reply: Sendable, Equatable {
        public var source: IPv4Address
        public var sequence: UInt16
        public var timeToLive: UInt8
        /// The ICMP message's length (header and data), as ping reports it.
        public var bytes: Int
        public var data: [UInt8]
    }

    public let destination: IPv4Address
    public let identifier: UInt16
    /// Called for each echo reply carrying this socket's identifier.
    public var onReply: ((Reply) -> Void)?
    /// Called with the reporter, the sequence number (nil when the failure is not about one
    /// request, as when ARP gives up) and what happened.
    public var onFailure: ((_ from: IPv4Address, _ sequence: UInt16?, Failure) -> Void)?
    public private(set) var isClosed = false
    private unowned let stack: NetworkStack

    init(stack: NetworkStack, destination: IPv4Address, identifier: UInt16) {
        self.stack = stack
        self.destination = destination
        self.identifier = identifier
    }

    /// Sends one echo request; `.noRoute` when it cannot leave.
    @discardableResult
    public func send(sequence: UInt16, data: [UInt8], timeToLive: UInt8? = nil) -> NetworkStack.SendResult {
        guard !isClosed else { return .noRoute }
        let message = ICMPv4Repr.echoRequest(identifier: identifier, sequenceNumber: sequence, data: data)
        return stack.sendICMP(message, to: destination, timeToLive: timeToLive)
    }

    /// The stack forgets the socket; nothing more is delivered to it.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onReply = nil
        onFailure = nil
        stack.forget(self)
    }
}
