import SmartNIC
import Wire

/// Hands out one TCP segment: the header, and `payloadLength` bytes of data that `data` gives,
/// run by run, as payloads where they lie (card or host memory); `data` may be called more than
/// once. The stack turns it into an IPv4 packet.
public typealias TCPSegmentOutput = (_ header: TCPHeaderRepr, _ payloadLength: Int,
                                     _ data: (_ body: (Payload) -> Void) -> Void) -> Void

/// One TCP connection (a transmission control block, RFC 9293 §3.3.1) and its state machine.
/// A pure function of (segment in, time now) → segments out: no sockets, no clock. The stack
/// feeds it with `handle(_:payload:now:)` and `poll(now:)`; the application uses `send`,
/// `receive`, `shutdown`, `close` and `abort`, and hears back through `onEvent`.
public final class TCPConnection {
    public let localAddress: IPv4Address
    public let localPort: UInt16
    public let remoteAddress: IPv4Address
    public let remotePort: UInt16
    public internal(set) var state: TCPState
    public var onEvent: ((TCPEvent) -> Void)?
    public internal(set) var error: TCPError?
    public internal(set) var counters = TCPConnectionCounters()

    let configuration: TCPConfiguration
    let output: TCPSegmentOutput
    var now: Instant
    /// The stack's clock, read when the application calls in (`send`, `receive`, `close`…):
    /// those calls come between segments and polls, and a segment sent after an idle spell
    /// must be timed from now, not from the last segment that arrived (RFC 6298 §5.1).
    var clock: (() -> Instant)?

    // Send sequence space (RFC 9293 §3.3.1).
    let iss: SequenceNumber
    var sndUna: SequenceNumber
    var sndNxt: SequenceNumber
    /// The highest sequence number sent so far (sndNxt goes back to sndUna after an RTO).
    var sndMax: SequenceNumber
    var sndWnd = 0
    var sndWl1 = SequenceNumber(0)
    var sndWl2 = SequenceNumber(0)
    var maxSndWnd = 0
    /// Written and unacknowledged data, in card memory on the smart path.
    var sendBuffer: SendQueue
    var finQueued = false
    /// The sequence number our FIN takes, fixed once the application stops sending.
    var finSequence = SequenceNumber(0)

    // Receive sequence space.
    var irs = SequenceNumber(0)
    var rcvNxt = SequenceNumber(0)
    /// In-order data not yet read, where it landed.
    var receiveBuffer: ReceiveQueue
    var reassembly: Reassembly
    /// Most card or host memory this connection's received data may hold.
    let receiveMemoryBudget: Int
    /// Right edge of the window we last advertised; it never moves left (RFC 9293 §3.8.6.2.2).
    var rcvAdvertisedEdge = SequenceNumber(0)
    var peerFinished = false

    // Negotiated options.
    /// Our MSS option value: the most payload we accept in one segment.
    let localMSS: Int
    /// The largest packet the path to the peer carries, as far as we know: the interface's
    /// MTU, or less once the path said so (TCPConnection+ICMP.swift).
    var pathMTU: Int
    /// The last ICMP error heard about this connection (a soft error, RFC 1122 §4.2.3.9).
    var softError: TCPICMPError?
    /// A suspected path MTU black hole and when to try full-size segments again.
    var blackHole = BlackHoleState()
    /// Largest payload we send per segment, after the peer's MSS and our options.
    var sendMSS: Int
    var sendShift: UInt8 = 0
    var receiveShift: UInt8 = 0
    var offeredWindowScale: UInt8
    var timestampsEnabled = false
    var sackEnabled = false
    var tsRecent: UInt32 = 0
    var lastAckSent = SequenceNumber(0)
    let timestampOffset: UInt32

    // Timers: absent when not armed.
    var retransmitDeadline: Instant?
    var delayedAckDeadline: Instant?
    var persistDeadline: Instant?
    var keepAliveDeadline: Instant?
    var timeWaitDeadline: Instant?
    var finWait2Deadline: Instant?
    var retransmitCount = 0
    var persistBackoff = 0
    var keepAliveProbesSent = 0
    var rtt: RTTEstimator
    /// A segment being timed without timestamps (Karn: never a retransmitted one).
    var timedSegment: (sequence: SequenceNumber, sentAt: Instant)?

    // Congestion control and loss recovery.
    let congestion: any CongestionControl
    var duplicateAcks = 0
    var inRecovery = false
    var recoveryPoint = SequenceNumber(0)
    /// RFC 6582 "recover": fast retransmit is not re-entered for losses of the same window.
    var recover: SequenceNumber
    var highRetransmitted = SequenceNumber(0)
    /// NewReno's cwnd inflation by dup ACKs (RFC 5681 §3.2 steps 3–4), kept apart from cwnd.
    var inflation = 0
    var scoreboard = SACKScoreboard()
    /// When a segment carrying data (or our FIN) last left: what "idle" is measured from for
    /// the restart window (TCPConnection+Output.swift, `restartAfterIdle`).
    var lastDataSentAt: Instant

    // ACK scheduling.
    var ackNow = false
    var lastInvalidAnswer: Instant?
    var bytesSinceAck = 0

    // The application's side.
    var applicationClosed = false
    var closeNotified = false
    var wantsWritable = false
    /// Whether the port this connection sends through can stage another frame (the stack sets
    /// it to ask the NIC port), and whether sending stopped because it could not.
    var transmitRoom: () -> Bool = { true }
    var heldBackByDevice = false
    /// Space opened during this segment; `.writable` is told once the segment is processed.
    var writablePending = false
    weak var listener: TCPListener?
    /// The listener this connection came from, for as long as it lives: its connection cap
    /// counts it until it is closed.
    weak var origin: TCPListener?
    /// The driver of the NIC this connection sends through: write() stores data with it.
    let driver: NICDriver
    /// The node's TCP memory this connection is charged to (nil outside a stack), what it is
    /// charged now, and the memory one full-size segment takes when it lands.
    var memory: SocketMemory?
    var memoryCharge = 0
    let segmentFootprint: Int

    /// `driver` is the NIC the route to the peer leaves through. The receive buffer never
    /// exceeds what the memory that receives its frames can hold (the card's, on the smart path).
    init(configuration: TCPConfiguration, local: (IPv4Address, UInt16), remote: (IPv4Address, UInt16),
         iss: SequenceNumber, mss: Int, pathMTU: Int? = nil, now: Instant, driver: NICDriver, output: @escaping TCPSegmentOutput) {
        self.configuration = configuration
        self.driver = driver
        localAddress = local.0
        localPort = local.1
        remoteAddress = remote.0
        remotePort = remote.1
        self.iss = iss
        sndUna = iss
        sndNxt = iss
        sndMax = iss
        recover = iss
        self.now = now
        lastDataSentAt = now
        self.output = output
        localMSS = mss
        self.pathMTU = pathMTU ?? (mss + 40)
        // Until the peer's MSS arrives, RFC 9293 §3.7.1's default of 536 holds.
        sendMSS = min(536, mss)
        sendBuffer = SendQueue(capacity: configuration.sendBufferSize)
        let receiveCapacity = Self.receiveCapacity(configuration: configuration, driver: driver, mss: mss)
        receiveBuffer = ReceiveQueue(capacity: receiveCapacity)
        // Held payloads are counted by the memory they keep (as Linux counts an skb's truesize),
        // so a peer sending tiny segments cannot pin a chunk per byte of window: twice what a
        // window of full-size segments needs, then new data is dropped (never ACKed, so nothing
        // is lost: the sender sends it again once the application reads).
        segmentFootprint = driver.frameFootprint(segmentSize: mss)
        receiveMemoryBudget = 2 * (receiveCapacity / mss + 1) * segmentFootprint
        reassembly = Reassembly(maximumRanges: configuration.maximumOutOfOrderRanges)
        offeredWindowScale = Self.windowScale(advertising: receiveCapacity)
        rtt = RTTEstimator(initialRTO: configuration.initialRTO, minimumRTO: configuration.minimumRTO,
                           maximumRTO: configuration.maximumRTO)
        congestion = configuration.congestionControl.make(maximumSegmentSize: sendMSS)
        timestampOffset = Self.timestampOffset(iss: iss)
        state = .closed
    }

    /// Whatever is still queued goes back to card or host memory with the connection.
    deinit {
        sendBuffer.removeAll()
        receiveBuffer.removeAll()
        reassembly.removeAll()
    }

    // MARK: - Application interface

    /// Queues bytes for sending; returns how many fit in the send buffer. When that is fewer
    /// than offered, `.writable` follows once space opens up.
    public func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        catchUpWithClock()
        guard state.canSend || state == .synSent || state == .synReceived, !finQueued else { return 0 }
        // The node's memory may hold less than the send buffer has room for (SocketMemory).
        let allowed = memory.map { min(bytes.count, $0.allowance(holding: sendBuffer.count)) } ?? bytes.count
        let accepted = sendBuffer.append(UnsafeRawBufferPointer(rebasing: bytes[..<allowed]), driver: driver)
        if accepted < bytes.count { wantsWritable = true }
        if state.isSynchronized { transmitWhatIsAllowed() }
        settleMemory()
        return accepted
    }

    public func send(_ bytes: [UInt8]) -> Int { bytes.withUnsafeBytes { send($0) } }

    /// Free space in the send buffer.
    public var sendSpace: Int { finQueued ? 0 : sendBuffer.freeSpace }
    /// Bytes queued but not yet acknowledged by the peer.
    public var unacknowledgedBytes: Int { sendBuffer.count }

    /// Moves received bytes into `buffer`; returns how many. Zero with `isEndOfStream` means EOF.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        catchUpWithClock()
        let before = advertisableWindow()
        let count = receiveBuffer.read(into: buffer)
        // What was read no longer counts against the node: the window below sees that.
        settleMemory()
        // Receiver-side SWS avoidance: announce a reopened window only once a read grew it by a
        // useful amount (RFC 9293 §3.8.6.2.2), and only if the peer would see it: the right
        // edge the header can say must move by as much (space beyond what 16 bits, scaled, can
        // advertise changes nothing), and after the peer's FIN it has nothing left to send.
        if count > 0 && state.isSynchronized && !peerFinished {
            let after = advertisableWindow()
            let useful = min(receiveBuffer.capacity / 2, localMSS)
            if before < after && after - before >= useful && rightEdgeIfAdvertisedNow() - rcvAdvertisedEdge >= useful {
                ackNow = true
                transmitWhatIsAllowed()
            }
        }
        return count
    }

    public var availableBytes: Int { receiveBuffer.count }
    /// The peer has finished sending and everything it sent has been read.
    public var isEndOfStream: Bool { peerFinished && receiveBuffer.isEmpty }

    /// Half-close: no more data from us; the peer may go on sending (RFC 9293 CLOSE).
    public func shutdown() {
        catchUpWithClock()
        switch state {
        case .synSent, .listen, .closed:
            terminate(nil)
        case .synReceived, .established:
            queueFIN()
            state = .finWait1
            transmitWhatIsAllowed()
        case .closeWait:
            queueFIN()
            state = .lastAck
            transmitWhatIsAllowed()
        default:
            break
        }
    }

    private func queueFIN() {
        finQueued = true
        finSequence = dataStart + sendBuffer.count
    }

    /// Full close: like `shutdown`, and the application reads no more. Unread data makes it an
    /// abort (RFC 2525 §2.17, as Linux does), so the peer learns its data was not consumed.
    public func close() {
        catchUpWithClock()
        applicationClosed = true
        if !receiveBuffer.isEmpty && state.isSynchronized {
            abort()
            return
        }
        shutdown()
        if state == .finWait2 { finWait2Deadline = now + configuration.finWait2Timeout }
    }

    /// Drops the connection at once, telling the peer with RST.
    public func abort() {
        catchUpWithClock()
        if state.isSynchronized || state == .synReceived {
            emit(sequence: sndMax, flags: [.rst], payloadLength: 0)
        }
        terminate(.aborted)
    }

    public var isFinished: Bool { state == .closed }

    private func catchUpWithClock() {
        if let clock { now = max(now, clock()) }
    }

    // MARK: - Opening

    /// Active open: send SYN (RFC 9293 OPEN).
    func open(now: Instant) {
        self.now = now
        state = .synSent
        sndNxt = iss + 1
        sndMax = sndNxt
        sendSYN(acknowledging: false)
        armRetransmit()
        settleMemory()
    }

    /// Passive open from a SYN the listener accepted.
    func accept(syn: TCPHeaderRepr, now: Instant) {
        self.now = now
        irs = SequenceNumber(syn.sequenceNumber)
        rcvNxt = irs + 1
        negotiate(syn.options, synAck: false)
        sndWnd = Int(syn.window) // never scaled in a SYN (RFC 7323 §2.2)
        sndWl1 = irs
        maxSndWnd = sndWnd
        state = .synReceived
        sndNxt = iss + 1
        sndMax = sndNxt
        sendSYN(acknowledging: true)
        armRetransmit()
        settleMemory()
    }

    /// A connection a SYN cookie vouched for (SYNCookies.swift): the listener kept nothing
    /// after its SYN-ACK, so what the SYN said comes back from the cookie (the peer's MSS) and
    /// our timestamp echo (window scale, SACK). Left in SYN-RECEIVED as if it had waited
    /// there; the ACK that carried the cookie then completes the handshake.
    func acceptFromCookie(_ ack: TCPHeaderRepr, peerMSS: Int, windowScale: UInt8?, sack: Bool, advertisedWindow: Int, now: Instant) {
        self.now = now
        irs = SequenceNumber(ack.sequenceNumber) - 1
        rcvNxt = irs + 1
        var options = TCPOptions(maximumSegmentSize: UInt16(clamping: peerMSS))
        options.windowScale = windowScale
        options.sackPermitted = sack
        if let timestamps = ack.options.timestamps { options.timestamps = (timestamps.value, 0) }
        negotiate(options, synAck: false)
        peerOfferedScale = windowScale != nil
        sndWl1 = irs
        state = .synReceived
        sndNxt = iss + 1
        sndMax = sndNxt
        lastAckSent = rcvNxt
        rcvAdvertisedEdge = rcvNxt + advertisedWindow
        settleMemory()
    }

    /// How much a connection can take in: its configured buffer, bounded by what the memory its
    /// frames land in can hold.
    static func receiveCapacity(configuration: TCPConfiguration, driver: NICDriver, mss: Int) -> Int {
        min(configuration.receiveBufferSize, driver.receiveCapacity(segmentSize: mss))
    }

    /// The smallest shift that lets `capacity` be advertised in 16 bits (RFC 7323 §2.3, at most 14).
    static func windowScale(advertising capacity: Int) -> UInt8 {
        var shift: UInt8 = 0
        while shift < 14 && (capacity >> Int(shift)) > 65_535 { shift += 1 }
        return shift
    }

    /// The per-connection offset of the timestamp clock (RFC 7323 §5.4), from the ISS.
    static func timestampOffset(iss: SequenceNumber) -> UInt32 { iss.rawValue &* 2_654_435_761 }

    /// Applies the options of the peer's SYN (or SYN-ACK).
    func negotiate(_ options: TCPOptions, synAck: Bool) {
        if let mss = options.maximumSegmentSize { sendMSS = min(Int(mss), localMSS) } else { sendMSS = min(536, localMSS) }
        sendMSS = min(sendMSS, pathMTU - 40)
        // Window scaling only when both sides offered it (RFC 7323 §2.2); shifts above 14 are read as 14.
        peerOfferedScale = options.windowScale != nil
        if configuration.windowScaling, let peerShift = options.windowScale {
            sendShift = min(peerShift, 14)
            receiveShift = offeredWindowScale
        } else {
            sendShift = 0
            receiveShift = 0
        }
        sackEnabled = configuration.selectiveAcknowledgments && options.sackPermitted
        if configuration.timestamps, let ts = options.timestamps {
            timestampsEnabled = true
            tsRecent = ts.value
        } else {
            timestampsEnabled = false
        }
        // Timestamps take 12 bytes of every segment's option space (RFC 7323 §3.2 / RFC 6691).
        if timestampsEnabled { sendMSS -= 12 }
        sendMSS = max(sendMSS, 64)
        congestion.maximumSegmentSize = sendMSS
    }

    func sendSYN(acknowledging: Bool) {
        var options = TCPOptions(maximumSegmentSize: UInt16(clamping: localMSS))
        let passive = acknowledging && state == .synReceived
        // A SYN-ACK carries an option only if the SYN did (RFC 7323 §1.3, RFC 2018 §2).
        if configuration.windowScaling && (!passive || peerOfferedScale) {
            options.windowScale = offeredWindowScale
        }
        if configuration.selectiveAcknowledgments && (!passive || sackEnabled) { options.sackPermitted = true }
        if configuration.timestamps && (!passive || timestampsEnabled) {
            options.timestamps = (timestampNow, passive ? tsRecent : 0)
        }
        let flags: TCPFlags = acknowledging ? [.syn, .ack] : [.syn]
        let window = UInt16(clamping: min(receiveBuffer.freeSpace, 65_535))
        let header = TCPHeaderRepr(sourcePort: localPort, destinationPort: remotePort, sequenceNumber: iss.rawValue,
                                   acknowledgmentNumber: acknowledging ? rcvNxt.rawValue : 0, flags: flags,
                                   window: window, options: options)
        if acknowledging {
            lastAckSent = rcvNxt
            rcvAdvertisedEdge = rcvNxt + Int(window)
        }
        counters.segmentsSent += 1
        output(header, 0) { _ in }
    }

    /// Whether the peer's SYN offered window scaling (so our SYN-ACK may carry the option).
    var peerOfferedScale = false

    // MARK: - Ending

    /// Leaves the connection for good and tells the application once. Unacknowledged data is
    /// freed at once (nothing will be sent again); so is unread data when the connection died.
    func terminate(_ reason: TCPError?) {
        guard state != .closed else { return }
        state = .closed
        sendBuffer.removeAll()
        reassembly.removeAll()
        if reason != nil { receiveBuffer.removeAll() }
        // A connection that timed out after an ICMP error reports the error (Linux's sk_err_soft).
        if reason == .timedOut, let softError { error = error ?? .unreachable(softError) }
        if error == nil { error = reason }
        retransmitDeadline = nil
        delayedAckDeadline = nil
        persistDeadline = nil
        keepAliveDeadline = nil
        timeWaitDeadline = nil
        finWait2Deadline = nil
        listener?.connectionEnded(self)
        settleMemory()
        notifyClosed(reason == nil ? nil : error)
    }

    /// Charges the node's memory with what this connection holds now; a closed connection
    /// holds nothing of the node's (what it still has unread is the application's to drop).
    func settleMemory() {
        guard let memory else { return }
        let holding = state == .closed ? 0
            : SocketMemory.connectionState + sendBuffer.count + receiveBuffer.footprint + reassembly.footprint
        if holding != memoryCharge {
            memory.recharge(from: memoryCharge, to: holding)
            memoryCharge = holding
        }
    }

    /// The application hears `.closed` once: when the connection is gone, or already when it
    /// enters TIME-WAIT, since from then on nothing more can be sent or received (as a BSD
    /// socket's close returns while TIME-WAIT runs on in the kernel).
    func notifyClosed(_ reason: TCPError?) {
        guard !closeNotified else { return }
        closeNotified = true
        origin?.liveConnections -= 1
        origin = nil
        onEvent?(.closed(reason))
    }

    func enterTimeWait(notify: Bool = true) {
        state = .timeWait
        if notify { notifyClosed(nil) }
        retransmitDeadline = nil
        persistDeadline = nil
        keepAliveDeadline = nil
        finWait2Deadline = nil
        timeWaitDeadline = now + configuration.timeWaitDuration
    }

    /// Milliseconds for the timestamp option, offset per connection (RFC 7323 §5.4).
    var timestampNow: UInt32 { UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ timestampOffset }
}

/// Per-connection counts, for tests and `stats`.
public struct TCPConnectionCounters: Sendable, Equatable {
    public var segmentsSent = 0
    public var segmentsReceived = 0
    public var bytesSent = 0
    public var bytesRetransmitted = 0
    public var retransmissionTimeouts = 0
    public var fastRetransmits = 0
    public var challengeACKs = 0
    public var pawsRejected = 0
    public var outOfWindowSegments = 0
    public var outOfOrderDropped = 0
    /// Data segments dropped because the connection's received data held its memory budget.
    public var droppedOverMemory = 0
    public var zeroWindowProbes = 0
    /// Times the sender came back from more than an RTO of idleness to the restart window.
    public var idleRestarts = 0
    /// Sends that broke a rule the sender must keep (see `checkInvariants`); always zero.
    public var invariantViolations = 0
    /// Answers to invalid segments held back by the rate limit.
    public var throttledACKs = 0
    public var sentPastWindow = 0
    public var sentSACKedBytes = 0
    /// Times sending stopped because the NIC port's queue was stopped and its ring full.
    public var deviceHoldBacks = 0
    /// ICMP errors believed (their quote lay in flight), and those ignored as stale or forged.
    public var icmpErrors = 0
    public var icmpErrorsIgnored = 0
    /// Times segments shrank because the path's MTU did (RFC 1191), and because full-size
    /// segments kept timing out with no ICMP to say why (a black hole).
    public var pathMTUReductions = 0
    public var blackHoleDetections = 0
    /// Times full-size segments were tried again after a suspected black hole.
    public var blackHoleRetries = 0
    public init() {}
}
