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

/// An ICMP echo client (ping). The stack drives it: `due` sends requests on their schedule,
/// `handle` takes replies and errors. It finishes when every request is answered, or
/// `timeout` after the last request.
public final class PingSession {
    public let destination: IPv4Address
    public let identifier: UInt16
    public let count: Int
    public let interval: Duration
    public let timeout: Duration
    public let payloadSize: Int
    let handler: (PingEvent) -> Void

    private(set) var summary: PingSummary
    /// The requests' TTL (`ping -t`); nil for the stack's default.
    public internal(set) var timeToLive: UInt8?
    private var nextSequence: UInt16 = 1
    private var nextSend: Instant
    private var startedAt: Instant
    private var outstanding: [UInt16: Instant] = [:]
    private var lastSentAt: Instant?
    public private(set) var isFinished = false

    init(destination: IPv4Address, identifier: UInt16, count: Int, interval: Duration, timeout: Duration,
         payloadSize: Int, now: Instant, handler: @escaping (PingEvent) -> Void) {
        self.destination = destination
        self.identifier = identifier
        self.count = count
        self.interval = interval
        self.timeout = timeout
        self.payloadSize = payloadSize
        self.handler = handler
        summary = PingSummary(destination: destination)
        nextSend = now
        startedAt = now
        handler(.started(destination: destination, payloadSize: payloadSize))
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

    public func cancel(now: Instant) { finish(now: now) }

    private func finishIfComplete(now: Instant) {
        if summary.transmitted >= count && outstanding.isEmpty { finish(now: now) }
    }

    private func finish(now: Instant) {
        guard !isFinished else { return }
        isFinished = true
        summary.elapsed = now.since(startedAt)
        handler(.finished(summary))
    }
}
