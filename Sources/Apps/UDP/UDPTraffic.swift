import NetStack
import Wire

/// Sends probes at a steady rate, as `iperf3 -u -b RATE` does: every millisecond it sends the
/// datagrams due by then, so the rate holds over any stretch longer than a few milliseconds.
/// Then three end markers, 50 ms apart, tell the receiver how many were sent. On the stack's
/// socket API and the app timers, so it runs in a node and in a simulation alike.
public final class UDPSender {
    public struct Options: Sendable, Equatable {
        public var destination: IPv4Address
        public var port: UInt16 = 5201
        /// Bits per second of UDP payload.
        public var bitsPerSecond = 1_000_000
        /// Bytes of payload per datagram (probe header included).
        public var length = 1400
        /// How long to send, unless `count` says how many.
        public var duration: Duration = .seconds(10)
        public var count: Int?
        /// DF on every datagram (false lets routers fragment them).
        public var dontFragment = true
        public init(destination: IPv4Address) { self.destination = destination }
    }

    public enum Event: Sendable, Equatable {
        /// Sending finished (end markers sent): how many datagrams, and how many the stack refused.
        case finished(sent: Int, refused: Int)
        case icmpError(UDPSocket.Failure)
    }

    public let options: Options
    public private(set) var sent = 0
    public private(set) var refused = 0
    /// Why the stack refused the first datagram it refused.
    public private(set) var firstRefusal: UDPSocket.SendError?
    public private(set) var startedAt: Instant
    private let stack: NetworkStack
    private let timers: AppTimers
    private let socket: UDPSocket
    private var buffer: [UInt8]
    private var timer: AppTimers.Token?
    private let handler: (Event) -> Void

    public init(stack: NetworkStack, timers: AppTimers, options: Options, handler: @escaping (Event) -> Void) throws(SocketError) {
        self.stack = stack
        self.timers = timers
        self.options = options
        self.handler = handler
        socket = try stack.bindUDP()
        socket.dontFragment = options.dontFragment
        socket.connect(to: options.destination, port: options.port)
        buffer = [UInt8](repeating: 0, count: max(options.length, UDPProbe.length))
        for index in UDPProbe.length..<buffer.count { buffer[index] = UInt8(truncatingIfNeeded: index) }
        startedAt = stack.now
        socket.onError = { [weak self] failure in self?.handler(.icmpError(failure)) }
        tick()
    }

    /// Datagrams due by `now` at the configured rate.
    private func due(at now: Instant) -> Int {
        let elapsed = Double(now.since(startedAt).nanosecondsValue) / 1e9
        let due = Int(elapsed * Double(options.bitsPerSecond) / Double(options.length * 8)) + 1
        return options.count.map { min(due, $0) } ?? due
    }

    private var isDone: Bool {
        if let count = options.count { return sent >= count }
        return stack.now.since(startedAt) >= options.duration
    }

    private func tick() {
        let now = stack.now
        while !isDone && sent < due(at: now) { send(UDPProbe(sequence: UInt64(sent), sentAt: now.nanoseconds)) }
        if isDone {
            finish(markersLeft: 3)
            return
        }
        timer = timers.schedule(at: now + .milliseconds(1)) { [weak self] in self?.tick() }
    }

    private func send(_ probe: UDPProbe) {
        buffer.withUnsafeMutableBytes { probe.emit(into: $0) }
        do {
            try socket.send(probe.isEnd ? Array(buffer[..<UDPProbe.length]) : buffer)
        } catch {
            if !probe.isEnd { refused += 1 }
            if firstRefusal == nil { firstRefusal = error }
        }
        if !probe.isEnd { sent += 1 }
    }

    private func finish(markersLeft: Int) {
        send(UDPProbe(sequence: UInt64(sent), sentAt: stack.now.nanoseconds, isEnd: true))
        if markersLeft > 1 {
            timer = timers.schedule(at: stack.now + .milliseconds(50)) { [weak self] in self?.finish(markersLeft: markersLeft - 1) }
        } else {
            timer = nil
            handler(.finished(sent: sent, refused: refused))
        }
    }

    /// Stops sending at once and frees the port.
    public func stop() {
        timers.cancel(timer)
        timer = nil
        socket.close()
    }
}

/// Receives probes on a port and keeps their statistics. It is done when a sender's end
/// marker arrives, or after `idleTimeout` without a datagram once the first has come.
public final class UDPReceiver {
    public private(set) var statistics = UDPReceiveStatistics()
    /// Datagrams that were not probes.
    public private(set) var foreign = 0
    public private(set) var isDone = false
    public let socket: UDPSocket
    private let stack: NetworkStack
    private let timers: AppTimers
    private let idleTimeout: Duration
    private var timer: AppTimers.Token?
    private var buffer = [UInt8](repeating: 0, count: 65_535)
    /// Called once, when done.
    public var onDone: (() -> Void)?
    /// Called at most once a second while datagrams arrive.
    public var onProgress: (() -> Void)?
    private var lastProgress: Instant

    public init(stack: NetworkStack, timers: AppTimers, port: UInt16, idleTimeout: Duration = .seconds(5)) throws(SocketError) {
        self.stack = stack
        self.timers = timers
        self.idleTimeout = idleTimeout
        socket = try stack.bindUDP(port: port)
        lastProgress = stack.now
        socket.onReadable = { [weak self] in self?.drain() }
    }

    private func drain() {
        while let got = buffer.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            let probe = buffer.withUnsafeBytes { UDPProbe(UnsafeRawBufferPointer(rebasing: $0[..<min(got.length, $0.count)])) }
            guard let probe else {
                foreign += 1
                continue
            }
            statistics.record(probe, length: got.length, at: stack.now)
            if probe.isEnd {
                finish()
                return
            }
        }
        if stack.now.since(lastProgress) >= .seconds(1) {
            lastProgress = stack.now
            onProgress?()
        }
        timers.cancel(timer)
        timer = timers.schedule(at: stack.now + idleTimeout) { [weak self] in self?.finish() }
    }

    private func finish() {
        guard !isDone else { return }
        isDone = true
        timers.cancel(timer)
        timer = nil
        socket.close()
        // Once: the callbacks usually hold this receiver; dropping them ends the cycle.
        let done = onDone
        onDone = nil
        onProgress = nil
        done?()
    }

    /// Stops receiving at once.
    public func stop() { finish() }
}

/// The UDP echo service of RFC 862 on port 7: every datagram goes back to its sender as it
/// came. The reply's bytes are read from where the datagram landed (a DMA from the card on the
/// smart path) and written back through the socket like any application's.
public final class UDPEchoService {
    public static let port: UInt16 = 7
    public private(set) var echoed = 0
    /// Datagrams from a well-known port, not answered.
    public private(set) var refused = 0
    private let socket: UDPSocket
    private var buffer = [UInt8](repeating: 0, count: 65_535)

    public init(stack: NetworkStack, port: UInt16 = UDPEchoService.port) throws(SocketError) {
        socket = try stack.bindUDP(port: port)
        socket.onReadable = { [weak self] in self?.echo() }
    }

    private func echo() {
        while let got = buffer.withUnsafeMutableBytes({ socket.receive(into: $0) }) {
            // Never to a well-known port: that is another service (an echo, a chargen) whose
            // answer would come back here, and the two would bounce one datagram forever.
            guard got.sourcePort >= 1024 else {
                refused += 1
                continue
            }
            let length = min(got.length, buffer.count)
            let sent = buffer.withUnsafeBytes { raw in
                (try? socket.send(UnsafeRawBufferPointer(rebasing: raw[..<length]), to: got.source, port: got.sourcePort)) != nil
            }
            if sent { echoed += 1 }
        }
    }

    public func close() { socket.close() }
}
