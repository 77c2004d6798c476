import NetStack
import Wire

/// What a ping session reports, in the order it happens.
public enum PingEvent: Sendable {
    case started(destination: IPv4Address, payloadSize: Int)
    case reply(from: IPv4Address, sequence: UInt16, timeToLive: UInt8, bytes: Int, roundTrip: Duration)
    /// An ICMP error about one of our requests, or ARP gave up on the next hop.
    case error(from: IPv4Address, sequence: UInt16, message: String)
    /// The request could not leave (no route).
    case sendFailed(sequence: UInt16, message: String)
    case finished(PingSummary)
}

public struct PingSummary: Sendable, Equatable {
    public var destination: IPv4Address
    public var transmitted = 0
    public var received = 0
    public var errors = 0
    public var minimum: Duration?
    public var maximum: Duration?
    public var total: Duration = .zero
    public var totalSquaredMilliseconds = 0.0
    public var elapsed: Duration = .zero

    public var lossPercent: Double {
        transmitted == 0 ? 0 : Double(transmitted - received) * 100 / Double(transmitted)
    }
    public var average: Duration? { received == 0 ? nil : total / received }
    /// Mean deviation as iputils prints it: sqrt(mean(rtt²) − mean(rtt)²).
    public var meanDeviationMilliseconds: Double {
        guard received > 0 else { return 0 }
        let mean = total.milliseconds / Double(received)
        return (max(0, totalSquaredMilliseconds / Double(received) - mean * mean)).squareRoot()
    }
}

/// An ICMP echo client (ping) on one of the stack's echo sockets. It sends its requests on
/// their schedule through the node's app timers, matches replies and errors to them, and
/// finishes when every request is answered, or `timeout` after the last request. The messages
/// it reports are iputils' words, so `nicbed exec h1 ping` reads like ping.
public final class PingSession {
    public let destination: IPv4Address
    public let count: Int
    public let interval: Duration
    public let timeout: Duration
    public let payloadSize: Int
    /// The requests' TTL (`ping -t`); nil for the stack's default.
    public let timeToLive: UInt8?
    let handler: (PingEvent) -> Void

    private(set) var summary: PingSummary
    private let stack: NetworkStack
    private let timers: AppTimers
    private let socket: EchoSocket
    private var timer: AppTimers.Token?
    private var nextSequence: UInt16 = 1
    private var nextSend: Instant
    private var startedAt: Instant
    private var outstanding: [UInt16: Instant] = [:]
    private var lastSentAt: Instant?
    public private(set) var isFinished = false

    /// Starts pinging at once; events arrive through `handler` as they happen.
    public init(stack: NetworkStack, timers: AppTimers, destination: IPv4Address, count: Int,
                interval: Duration = .seconds(1), timeout: Duration = .seconds(4), payloadSize: Int = 56,
                timeToLive: UInt8? = nil, handler: @escaping (PingEvent) -> Void) {
        self.stack = stack
        self.timers = timers
        self.destination = destination
        self.count = count
        self.interval = interval
        self.timeout = timeout
        self.payloadSize = payloadSize
        self.timeToLive = timeToLive
        self.handler = handler
        socket = stack.openEchoSocket(to: destination)
        summary = PingSummary(destination: destination)
        nextSend = stack.now
        startedAt = stack.now
        handler(.started(destination: destination, payloadSize: payloadSize))
        socket.onReply = { [unowned self] reply in
            self.handleReply(from: reply.source, sequence: reply.sequence, timeToLive: reply.timeToLive,
                             bytes: reply.bytes, now: self.stack.now)
        }
        socket.onFailure = { [unowned self] reporter, sequence, failure in
            if let sequence {
                self.handleError(from: reporter, sequence: sequence, message: Self.text(failure), now: self.stack.now)
            } else {
                self.nextHopFailed(reporter: reporter, now: self.stack.now)
            }
        }
        service()
    }

    public var identifier: UInt16 { socket.identifier }

    /// iputils' words for what went wrong.
    static func text(_ failure: EchoSocket.Failure) -> String {
        switch failure {
        case .nextHopUnreachable: return "Destination Host Unreachable"
        case .parameterProblem: return "Parameter problem"
        case let .timeExceeded(code): return code == 0 ? "Time to live exceeded" : "Fragment reassembly time exceeded"
        case let .unreachable(code):
            switch code {
            case ICMPv4Repr.UnreachableCode.network: return "Destination Net Unreachable"
            case ICMPv4Repr.UnreachableCode.host: return "Destination Host Unreachable"
            case ICMPv4Repr.UnreachableCode.protocol: return "Destination Protocol Unreachable"
            case ICMPv4Repr.UnreachableCode.port: return "Destination Port Unreachable"
            case ICMPv4Repr.UnreachableCode.fragmentationNeeded: return "Frag needed and DF set"
            default: return "Destination Unreachable (code \(code))"
            }
        }
    }

    /// Sends what is due, finishes when the time has come, and sets the timer for what is next.
    private func service() {
        let now = stack.now
        for (sequence, payload) in due(now: now) where !isFinished {
            if case .noRoute = socket.send(sequence: sequence, data: payload, timeToLive: timeToLive) {
                sendFailed(sequence: sequence, message: "Network is unreachable", now: now)
            }
        }
        timers.cancel(timer)
        timer = nil
        if let deadline = nextDeadline {
            // The timer keeps a running session alive (nothing else need hold it); it goes at the end.
            timer = timers.schedule(at: deadline) { self.service() }
        }
    }

    var nextDeadline: Instant? {
        if isFinished { return nil }
        if summary.transmitted < count { return nextSend }
        return (lastSentAt ?? startedAt) + timeout
    }

    /// The request payload: the send time first (as iputils does), so the reply carries it back
    /// and a reply to an earlier session can be told apart; the rest a fixed pattern.
    func payload(sentAt: Instant) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: payloadSize)
        for i in 0..<payloadSize { data[i] = UInt8(truncatingIfNeeded: i) }
        if payloadSize >= 8 {
            withUnsafeBytes(of: sentAt.nanoseconds.bigEndian) { bytes in
                for i in 0..<8 { data[i] = bytes[i] }
            }
        }
        return data
    }

    /// Requests to send now, as (sequence, payload); and finishing when the time has come.
    func due(now: Instant) -> [(UInt16, [UInt8])] {
        guard !isFinished else { return [] }
        var requests: [(UInt16, [UInt8])] = []
        while summary.transmitted < count && nextSend <= now {
            let sequence = nextSequence
            nextSequence &+= 1
            summary.transmitted += 1
            outstanding[sequence] = now
            lastSentAt = now
            nextSend = nextSend + interval
            requests.append((sequence, payload(sentAt: now)))
        }
        if summary.transmitted >= count, let deadline = nextDeadline, deadline <= now, requests.isEmpty {
            finish(now: now)
        }
        return requests
    }

    func sendFailed(sequence: UInt16, message: String, now: Instant) {
        outstanding[sequence] = nil
        summary.errors += 1
        handler(.sendFailed(sequence: sequence, message: message))
        finishIfComplete(now: now)
    }

    func handleReply(from source: IPv4Address, sequence: UInt16, timeToLive: UInt8, bytes: Int, now: Instant) {
        guard let sentAt = outstanding.removeValue(forKey: sequence) else { return }
        let rtt = now.since(sentAt)
        summary.received += 1
        summary.total += rtt
        summary.totalSquaredMilliseconds += rtt.milliseconds * rtt.milliseconds
        summary.minimum = min(summary.minimum ?? rtt, rtt)
        summary.maximum = max(summary.maximum ?? rtt, rtt)
        handler(.reply(from: source, sequence: sequence, timeToLive: timeToLive, bytes: bytes, roundTrip: rtt))
        finishIfComplete(now: now)
    }

    func handleError(from source: IPv4Address, sequence: UInt16, message: String, now: Instant) {
        guard outstanding.removeValue(forKey: sequence) != nil else { return }
        summary.errors += 1
        handler(.error(from: source, sequence: sequence, message: message))
        finishIfComplete(now: now)
    }

    /// Every outstanding request to `destination` failed at once (ARP gave up on the next hop).
    func nextHopFailed(reporter: IPv4Address, now: Instant) {
        for sequence in outstanding.keys.sorted() {
            handleError(from: reporter, sequence: sequence, message: "Destination Host Unreachable", now: now)
        }
    }

    public func cancel() { finish(now: stack.now) }

    private func finishIfComplete(now: Instant) {
        if summary.transmitted >= count && outstanding.isEmpty { finish(now: now) }
    }

    private func finish(now: Instant) {
        guard !isFinished else { return }
        isFinished = true
        timers.cancel(timer)
        timer = nil
        socket.close()
        summary.elapsed = now.since(startedAt)
        handler(.finished(summary))
    }
}
