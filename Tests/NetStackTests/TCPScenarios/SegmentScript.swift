import NetStack
import SmartNIC
import Testing
import Wire

/// A packetdrill-style script for segment-level TCP scenarios (smoltcp's `recv!`/`send!` habit).
///
/// One stack under test (10.0.0.1) sits on one NIC port; the script plays the remote peer
/// (10.0.0.2) by injecting exact frames and asserts the exact segments the stack sends back, or
/// that nothing comes out. Time is virtual and moves only when the script says so; `poll()` runs
/// at every deadline in between, so a timer fires at its exact instant.
///
/// Numbers are relative, as in packetdrill. Sequence numbers the peer sends (and the ACKs and
/// SACK blocks the stack sends) count from `peerISS`, which the script chooses; the stack's
/// sequence numbers (and the ACKs and SACK blocks the peer sends) count from the stack's ISS,
/// read from the first SYN or SYN-ACK it sends. The stack's TSval is checked the same way: its
/// offset from the clock is read from the first timestamp it sends, after which every TSval
/// must equal that offset plus the milliseconds of the instant the segment left.
///
/// A scenario ends with everything the stack sent consumed by an `expect`: the suite's
/// `.checksLeftoverSegments` trait checks it when the test returns (`LeftoverSegmentsCheck`).
final class SegmentScript {
    static let localAddress = IPv4Address(10, 0, 0, 1)
    static let peerAddress = IPv4Address(10, 0, 0, 2)
    static let localMAC = MACAddress(2, 0, 0, 0, 0, 1)
    static let peerMAC = MACAddress(2, 0, 0, 0, 0, 2)
    static let underlay = UnderlayAddress(ipv4: 0x7f00_0001, port: 4789)

    let stack: NetworkStack
    let port: NICPort
    private(set) var now: Instant

    /// The peer's initial sequence number: what relative peer sequence numbers count from.
    var peerISS: UInt32
    /// The stack's ISS, read from the last SYN it sent (nil before any: numbers are then absolute).
    private(set) var localISS: UInt32?
    /// The stack's TSval minus the clock in milliseconds, read from the first timestamp it sent.
    private(set) var localTimestampOffset: UInt32?
    /// The TSval of the latest segment the stack sent; the peer echoes it by default.
    private(set) var latestLocalTimestamp: UInt32 = 0
    /// The stack's port (listening or, after an active open, the one it picked).
    var localPort: UInt16 = 8080
    /// The peer's port.
    var peerPort: UInt16 = 40_000
    /// The listener `listen` opened, if any.
    private(set) var listener: TCPListener?

    /// Segments (and any other frames) the stack has sent and the script has not yet consumed.
    private var outbox: [Outbound] = []
    private(set) var arpRequestsAnswered = 0
    /// What the connections told their application, per connection.
    private var eventLog: [ObjectIdentifier: [TCPEvent]] = [:]

    /// One frame the stack sent, decoded.
    struct Outbound {
        var time: Instant
        var ip: IPv4Repr?
        var header: TCPHeaderRepr?
        var payload: [UInt8]
        /// Set for anything that is not a well-formed TCP/IPv4 frame to the peer.
        var problem: String?
    }

    /// Whether the peer answers the stack's ARP requests as soon as the stack's call returns.
    var answersARPAutomatically = true
    /// ARP requests for the peer not answered yet.
    private(set) var pendingARPRequests = 0

    /// With `announcePeer` false the peer does not introduce itself: the stack's ARP cache is cold.
    /// `nic` is the stack's NIC: conventional unless a scenario is about the smart card.
    init(mtu: Int = 1500, seed: UInt64 = 7, peerISS: UInt32 = 0, start: Instant = .zero, announcePeer: Bool = true,
         nic: NICConfiguration = .conventional, configure: (inout TCPConfiguration) -> Void = { _ in },
         sourceLocation: SourceLocation = #_sourceLocation) {
        now = start
        self.peerISS = peerISS
        stack = NetworkStack(hostname: "dut", now: now, seed: seed)
        configure(&stack.tcpConfiguration)
        port = NICPort(name: "dut:eth0", linkID: 1, peer: Self.underlay, driver: NICDriver(configuration: nic))
        stack.addInterface(name: "eth0", mac: Self.localMAC, address: IPv4Interface(address: Self.localAddress, prefixLength: 24),
                           port: port, mtu: mtu)
        port.send = { [unowned self] parts in
            parts.flatMap { Array($0) }.withUnsafeBytes { self.capture($0) }
            return true
        }
        // The peer announces itself first, so nothing the stack sends waits for ARP.
        if announcePeer {
            injectARP(.request)
            #expect(arpRequestsAnswered == 0 && outbox.count == 1 && outbox.first?.problem == "ARP reply",
                    "the stack should answer the peer's ARP request")
            outbox.removeAll()
        }
        if let registry = SegmentScriptRegistry.current {
            registry.register(self, madeAt: sourceLocation)
        } else {
            Issue.record("a SegmentScript needs `.checksLeftoverSegments` on its suite, so that its end is checked",
                         sourceLocation: sourceLocation)
        }
    }

    /// The end of a scenario: whatever the stack sent and no `expect` consumed is a failure.
    func checkNothingLeft(madeAt location: SourceLocation) {
        guard !outbox.isEmpty else { return }
        let shown = outbox.map { "\(describe($0)) at \($0.time)" }.joined(separator: ", ")
        Issue.record("the scenario ended with segments no expect consumed: \(shown)", sourceLocation: location)
        outbox.removeAll()
    }

    // MARK: - Clock

    /// Moves the clock forward by exactly `duration`, running `poll()` at every deadline on the way.
    func advance(by duration: Duration, sourceLocation: SourceLocation = #_sourceLocation) {
        run(until: now + duration, sourceLocation: sourceLocation)
    }

    func run(until end: Instant, sourceLocation: SourceLocation = #_sourceLocation) {
        var steps = 0
        while let deadline = stack.nextDeadline, deadline <= end {
            steps += 1
            if steps > 100_000 {
                Issue.record("a deadline at \(deadline) stays due after poll(): the timers spin", sourceLocation: sourceLocation)
                break
            }
            if deadline > now { now = deadline }
            stack.advance(to: now)
            stack.poll()
            answerARP()
        }
        if end > now { now = end }
        stack.advance(to: now)
    }

    /// Milliseconds since the script started (what the stack's timestamp clock counts).
    var milliseconds: UInt32 { UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) }

    // MARK: - Sockets

    func listen(backlog: Int = 128, sourceLocation: SourceLocation = #_sourceLocation) -> TCPListener? {
        do {
            listener = try stack.listen(port: localPort, backlog: backlog)
            return listener
        } catch {
            Issue.record("listen failed: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Active open towards the peer; the stack's port is read from the connection.
    func connect(sourceLocation: SourceLocation = #_sourceLocation) -> TCPConnection? {
        do {
            let connection = try stack.connect(to: Self.peerAddress, port: peerPort)
            localPort = connection.localPort
            record(connection)
            answerARP()
            return connection
        } catch {
            Issue.record("connect failed: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Starts logging a connection's events (see `events(of:)`).
    func record(_ connection: TCPConnection) {
        let id = ObjectIdentifier(connection)
        eventLog[id] = eventLog[id] ?? []
        connection.onEvent = { [unowned self] event in self.eventLog[id, default: []].append(event) }
    }

    func events(of connection: TCPConnection) -> [TCPEvent] { eventLog[ObjectIdentifier(connection)] ?? [] }

    /// Queues `count` bytes of the local stream pattern (offsets from `offset`) on a connection.
    @discardableResult
    func write(_ connection: TCPConnection, count: Int, offset: Int = 0) -> Int {
        let accepted = connection.send(Self.pattern(offset..<(offset + count), salt: 0x5a))
        answerARP()
        return accepted
    }

    /// Reads everything the connection holds for the application.
    func read(_ connection: TCPConnection) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { connection.receive(into: $0) }
            answerARP()
            if count == 0 { return result }
            result += chunk[..<count]
        }
    }

    /// The bytes the peer sends at stream offsets `range` (offset 0 is sequence number 1).
    static func peerBytes(_ range: Range<Int>) -> [UInt8] { pattern(range, salt: 0xa5) }

    private static func pattern(_ range: Range<Int>, salt: UInt8) -> [UInt8] {
        range.map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) ^ salt }
    }

    // MARK: - The peer's side

    /// A TCP option as written in a script line.
    enum Option: Equatable, CustomStringConvertible {
        case mss(UInt16)
        case windowScale(UInt8)
        case sackPermitted
        /// Inbound: the peer's TSval, and its TSecr (nil: echo the stack's latest TSval).
        /// Outbound: TSval nil means "the stack's clock" (offset learned from its first TSval).
        case timestamp(value: UInt32?, echo: UInt32?)
        /// SACK blocks, relative (inbound: to the stack's ISS; outbound: to the peer's ISS).
        case sack([Range<Int>])

        static func timestamp(echo: UInt32) -> Option { .timestamp(value: nil, echo: echo) }
        static func timestamp(_ value: UInt32) -> Option { .timestamp(value: value, echo: nil) }

        var description: String {
            switch self {
            case let .mss(value): return "mss \(value)"
            case let .windowScale(shift): return "wscale \(shift)"
            case .sackPermitted: return "sackOK"
            case let .timestamp(value, echo):
                return "TS val \(value.map(String.init) ?? "<clock>") ecr \(echo.map(String.init) ?? "<latest>")"
            case let .sack(blocks): return "sack " + blocks.map { "\($0.lowerBound):\($0.upperBound)" }.joined(separator: " ")
            }
        }
    }

    /// Injects one segment from the peer. `seq` counts from the peer's ISS, `ack` from the
    /// stack's; `win` is the raw window field; `length` bytes of the peer's stream pattern follow
    /// (from stream offset seq − 1) unless `payload` is given.
    func inject(_ flags: TCPFlags, seq: Int, ack: Int = 0, win: UInt16 = 65_535, options: [Option] = [],
                length: Int = 0, payload: [UInt8]? = nil, after delay: Duration? = nil,
                sourcePort: UInt16? = nil) {
        if let delay { advance(by: delay) }
        var tcpOptions = TCPOptions()
        for option in options {
            switch option {
            case let .mss(value): tcpOptions.maximumSegmentSize = value
            case let .windowScale(shift): tcpOptions.windowScale = shift
            case .sackPermitted: tcpOptions.sackPermitted = true
            case let .timestamp(value, echo): tcpOptions.timestamps = (value ?? 0, echo ?? latestLocalTimestamp)
            case let .sack(blocks):
                tcpOptions.sackBlocks = SACKBlocks(blocks.map { SACKBlock(left: localSequence($0.lowerBound), right: localSequence($0.upperBound)) })
            }
        }
        let bytes = payload ?? Self.peerBytes((seq - 1)..<(seq - 1 + length))
        let header = TCPHeaderRepr(sourcePort: sourcePort ?? peerPort, destinationPort: localPort,
                                   sequenceNumber: peerSequence(seq), acknowledgmentNumber: localSequence(ack),
                                   flags: flags, window: win, options: tcpOptions)
        let segmentLength = header.headerLength + bytes.count
        let ip = IPv4Repr(source: Self.peerAddress, destination: Self.localAddress, protocolNumber: IPProtocol.tcp,
                          payloadLength: segmentLength)
        var frame = [UInt8](repeating: 0, count: EthernetFrameView.headerLength + ip.totalLength)
        frame.withUnsafeMutableBytes { buffer in
            EthernetRepr(destination: Self.localMAC, source: Self.peerMAC, etherType: EtherType.ipv4).emit(into: buffer)
            let packet = UnsafeMutableRawBufferPointer(rebasing: buffer[EthernetFrameView.headerLength...])
            ip.emit(into: packet)
            let segment = UnsafeMutableRawBufferPointer(rebasing: packet[ip.headerLength..<(ip.headerLength + segmentLength)])
            header.emit(into: segment)
            bytes.withUnsafeBytes { segment.baseAddress!.advanced(by: header.headerLength).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            TCPHeaderRepr.fillChecksum(segment, source: Self.peerAddress, destination: Self.localAddress)
        }
        deliver(frame)
    }

    private func injectARP(_ operation: ARPRepr.Operation) {
        let arp = ARPRepr(operation: operation, senderHardware: Self.peerMAC, senderProtocol: Self.peerAddress,
                          targetHardware: operation == .reply ? Self.localMAC : .zero, targetProtocol: Self.localAddress)
        var frame = [UInt8](repeating: 0, count: NICPort.minimumFrameLength)
        frame.withUnsafeMutableBytes { buffer in
            EthernetRepr(destination: operation == .reply ? Self.localMAC : .broadcast, source: Self.peerMAC,
                         etherType: EtherType.arp).emit(into: buffer)
            arp.emit(into: UnsafeMutableRawBufferPointer(rebasing: buffer[EthernetFrameView.headerLength...]))
        }
        deliver(frame)
    }

    private func deliver(_ frame: [UInt8]) {
        var datagram = [UInt8](repeating: 0, count: VXLANHeaderView.length)
        datagram.withUnsafeMutableBytes { VXLANRepr(vni: port.linkID).emit(into: $0) }
        datagram += frame
        datagram.withUnsafeBytes { port.receive(datagram: $0, from: port.peer) }
        answerARP()
    }

    private func answerARP() {
        if answersARPAutomatically { answerARPRequests() }
    }

    /// The peer answers the ARP requests the stack has sent (the stack's ARP cache learns it).
    func answerARPRequests() {
        while pendingARPRequests > 0 {
            pendingARPRequests -= 1
            arpRequestsAnswered += 1
            injectARP(.reply)
        }
    }

    // MARK: - The stack's side

    private func capture(_ datagram: UnsafeRawBufferPointer) {
        var outbound = Outbound(time: now, payload: [])
        defer { if outbound.problem != "ARP request" { outbox.append(outbound) } }
        guard datagram.count > VXLANHeaderView.length,
              let ethernet = try? EthernetFrameView(checking: UnsafeRawBufferPointer(rebasing: datagram[VXLANHeaderView.length...])) else {
            outbound.problem = "not an Ethernet frame in VXLAN"
            return
        }
        if ethernet.etherType == EtherType.arp {
            guard let view = try? ARPPacketView(checking: ethernet.payload), let arp = try? ARPRepr.parse(view) else {
                outbound.problem = "malformed ARP"
                return
            }
            if arp.operation == .request && arp.targetProtocol == Self.peerAddress {
                outbound.problem = "ARP request"
                pendingARPRequests += 1
            } else {
                outbound.problem = arp.operation == .reply ? "ARP reply" : "ARP request for \(arp.targetProtocol)"
            }
            return
        }
        guard ethernet.etherType == EtherType.ipv4, ethernet.destination == Self.peerMAC, ethernet.source == Self.localMAC else {
            outbound.problem = "frame type 0x\(String(ethernet.etherType, radix: 16)) to \(ethernet.destination)"
            return
        }
        do {
            let ipView = try IPv4PacketView(checking: ethernet.payload)
            let ip = try IPv4Repr.parse(ipView)
            guard ip.protocolNumber == IPProtocol.tcp, ip.source == Self.localAddress, ip.destination == Self.peerAddress else {
                outbound.problem = "IPv4 protocol \(ip.protocolNumber) \(ip.source) → \(ip.destination)"
                return
            }
            let view = try TCPSegmentView(checking: ipView.payload)
            guard view.checksumIsValid(source: ip.source, destination: ip.destination) else {
                outbound.problem = "bad TCP checksum"
                return
            }
            let header = try TCPHeaderRepr.parse(view)
            outbound.ip = ip
            outbound.header = header
            outbound.payload = Array(view.payload)
            if header.flags.contains(.syn) { localISS = header.sequenceNumber }
            if let ts = header.options.timestamps {
                if localTimestampOffset == nil { localTimestampOffset = ts.value &- milliseconds }
                latestLocalTimestamp = ts.value
            }
        } catch {
            outbound.problem = "unparsable: \(error)"
        }
    }

    /// Checks the next segment the stack sent. With `after`, nothing may come out for that long
    /// and the segment must leave exactly then; without, it must have left at the current instant.
    /// `seq` counts from the stack's ISS, `ack` and outbound SACK blocks from the peer's ISS.
    /// `win` nil leaves the window unchecked; `options` nil leaves the options unchecked, and
    /// otherwise they must match exactly (in any order, SACK blocks in order).
    @discardableResult
    func expect(_ flags: TCPFlags, seq: Int, ack: Int? = nil, win: Int? = nil, options: [Option]? = [],
                length: Int = 0, after delay: Duration? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) -> Outbound? {
        if let delay {
            guard expectNothing(sourceLocation: sourceLocation) else { return nil }
            advance(by: delay, sourceLocation: sourceLocation)
        }
        guard !outbox.isEmpty else {
            Issue.record("expected \(flags) \(seq):\(seq + length)(\(length)) at \(now), but nothing was sent", sourceLocation: sourceLocation)
            return nil
        }
        let segment = outbox.removeFirst()
        guard let header = segment.header else {
            Issue.record("expected a TCP segment, got \(segment.problem ?? "?")", sourceLocation: sourceLocation)
            return nil
        }
        let shown = describe(segment)
        var wrong: [String] = []
        if segment.time != now { wrong.append("sent at \(segment.time), expected at \(now)") }
        if header.flags != flags { wrong.append("flags \(header.flags), expected \(flags)") }
        if header.sequenceNumber != localSequence(seq) { wrong.append("seq \(relativeLocal(header.sequenceNumber)), expected \(seq)") }
        if flags.contains(.ack) {
            if let ack {
                if header.acknowledgmentNumber != peerSequence(ack) { wrong.append("ack \(relativePeer(header.acknowledgmentNumber)), expected \(ack)") }
            } else {
                wrong.append("the script must say which ack to expect")
            }
        }
        if let win, Int(header.window) != win { wrong.append("win \(header.window), expected \(win)") }
        if segment.payload.count != length { wrong.append("length \(segment.payload.count), expected \(length)") }
        if header.sourcePort != localPort || header.destinationPort != peerPort {
            wrong.append("ports \(header.sourcePort)→\(header.destinationPort), expected \(localPort)→\(peerPort)")
        }
        if let options { wrong += compare(header.options, time: segment.time, with: options) }
        if !wrong.isEmpty {
            Issue.record("\(shown): \(wrong.joined(separator: "; "))", sourceLocation: sourceLocation)
        }
        return segment
    }

    /// Asserts that the stack sends nothing now, nor during the next `duration`.
    @discardableResult
    func expectNothing(for duration: Duration = .zero, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if outbox.isEmpty && duration > .zero { advance(by: duration, sourceLocation: sourceLocation) }
        guard outbox.isEmpty else {
            let shown = outbox.map { "\(describe($0)) at \($0.time)" }.joined(separator: ", ")
            Issue.record("expected nothing, but the stack sent: \(shown)", sourceLocation: sourceLocation)
            outbox.removeAll()
            return false
        }
        return true
    }

    private func compare(_ actual: TCPOptions, time: Instant, with expected: [Option]) -> [String] {
        var wrong: [String] = []
        var mss: UInt16?, shift: UInt8?, sackOK = false, blocks: [Range<Int>] = [], ts: (UInt32?, UInt32?)?
        for option in expected {
            switch option {
            case let .mss(value): mss = value
            case let .windowScale(value): shift = value
            case .sackPermitted: sackOK = true
            case let .timestamp(value, echo): ts = (value, echo)
            case let .sack(ranges): blocks = ranges
            }
        }
        if actual.maximumSegmentSize != mss { wrong.append("mss \(actual.maximumSegmentSize.map(String.init) ?? "none"), expected \(mss.map(String.init) ?? "none")") }
        if actual.windowScale != shift { wrong.append("wscale \(actual.windowScale.map(String.init) ?? "none"), expected \(shift.map(String.init) ?? "none")") }
        if actual.sackPermitted != sackOK { wrong.append("sackOK \(actual.sackPermitted), expected \(sackOK)") }
        let actualBlocks = actual.sackBlocks.map { relativePeer($0.left)..<relativePeer($0.right) }
        if actualBlocks != blocks { wrong.append("sack \(actualBlocks), expected \(blocks)") }
        switch (actual.timestamps, ts) {
        case (nil, nil):
            break
        case let (actualTS?, expectedTS?):
            let clock = UInt32(truncatingIfNeeded: time.nanoseconds / 1_000_000)
            let value = expectedTS.0 ?? (localTimestampOffset ?? 0) &+ clock
            if actualTS.value != value { wrong.append("TS val \(actualTS.value), expected \(value)") }
            if let echo = expectedTS.1, actualTS.echoReply != echo { wrong.append("TS ecr \(actualTS.echoReply), expected \(echo)") }
            if expectedTS.1 == nil { wrong.append("the script must say which TS ecr to expect") }
        case (nil, _?):
            wrong.append("no timestamps option, expected one")
        case (_?, nil):
            wrong.append("a timestamps option, expected none")
        }
        return wrong
    }

    // MARK: - Numbers

    func peerSequence(_ relative: Int) -> UInt32 { peerISS &+ UInt32(truncatingIfNeeded: relative) }
    func localSequence(_ relative: Int) -> UInt32 { (localISS ?? 0) &+ UInt32(truncatingIfNeeded: relative) }
    func relativePeer(_ raw: UInt32) -> Int { Int(Int32(bitPattern: raw &- peerISS)) }
    func relativeLocal(_ raw: UInt32) -> Int { Int(Int32(bitPattern: raw &- (localISS ?? 0))) }

    /// A segment as packetdrill prints it, with relative numbers.
    func describe(_ segment: Outbound) -> String {
        guard let header = segment.header else { return segment.problem ?? "?" }
        let seq = relativeLocal(header.sequenceNumber)
        var text = "\(header.flags) \(seq):\(seq + segment.payload.count)(\(segment.payload.count))"
        if header.flags.contains(.ack) { text += " ack \(relativePeer(header.acknowledgmentNumber))" }
        text += " win \(header.window)"
        var options: [String] = []
        if let mss = header.options.maximumSegmentSize { options.append("mss \(mss)") }
        if header.options.sackPermitted { options.append("sackOK") }
        if let ts = header.options.timestamps { options.append("TS val \(ts.value) ecr \(ts.echoReply)") }
        if let shift = header.options.windowScale { options.append("wscale \(shift)") }
        if !header.options.sackBlocks.isEmpty {
            options.append("sack " + header.options.sackBlocks.map { "\(relativePeer($0.left)):\(relativePeer($0.right))" }.joined(separator: " "))
        }
        if !options.isEmpty { text += " <\(options.joined(separator: ","))>" }
        return text
    }

    /// The start instant at which a passive open (with this seed and the default ports) picks
    /// `target` as the stack's ISS. RFC 6528 ISNs are a keyed hash of the 4-tuple plus a clock
    /// ticking every 4 µs, so the clock can be set to place the ISS anywhere, near 2^32 say.
    /// Tests using it must check `localISS`: if the ISN scheme changes, they must say so.
    static func start(placingLocalISSAt target: UInt32, seed: UInt64 = 7) -> Instant {
        let probe = SegmentScript(seed: seed)
        _ = probe.listen()
        probe.inject(.syn, seq: 0, options: [.mss(1000)])
        probe.expect([.syn, .ack], seq: 0, ack: 1, options: nil)
        let hash = probe.localISS ?? 0
        return Instant(nanoseconds: UInt64(target &- hash) * 4_000)
    }

    // MARK: - Common openings

    /// Passive open: LISTEN, the peer's SYN (with `synOptions`), the stack's SYN-ACK (checked for
    /// flags and numbers only), the peer's ACK; returns the accepted connection.
    func acceptConnection(synOptions: [Option] = [.mss(1000)], synWindow: UInt16 = 65_535, ackWindow: UInt16? = nil,
                          ackOptions: [Option]? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> TCPConnection? {
        guard let listener = listen(sourceLocation: sourceLocation) else { return nil }
        inject(.syn, seq: 0, win: synWindow, options: synOptions)
        expect([.syn, .ack], seq: 0, ack: 1, options: nil, sourceLocation: sourceLocation)
        // Unless told otherwise the ACK carries a timestamp if the SYN did: the SYN's TSval
        // again, echoing the SYN-ACK's.
        var options = ackOptions ?? []
        if ackOptions == nil {
            for case let .timestamp(value?, _) in synOptions { options = [.timestamp(value)] }
        }
        inject(.ack, seq: 1, ack: 1, win: ackWindow ?? synWindow, options: options)
        guard let connection = listener.accept() else {
            Issue.record("the handshake did not produce a connection", sourceLocation: sourceLocation)
            return nil
        }
        record(connection)
        #expect(connection.state == .established, sourceLocation: sourceLocation)
        return connection
    }

    /// Active open: the stack's SYN, the peer's SYN-ACK (with `synAckOptions`), the stack's ACK.
    func openConnection(synAckOptions: [Option] = [.mss(1000)], synAckWindow: UInt16 = 65_535,
                        sourceLocation: SourceLocation = #_sourceLocation) -> TCPConnection? {
        guard let connection = connect(sourceLocation: sourceLocation) else { return nil }
        expect(.syn, seq: 0, options: nil, sourceLocation: sourceLocation)
        inject([.syn, .ack], seq: 0, ack: 1, win: synAckWindow, options: synAckOptions)
        expect(.ack, seq: 1, ack: 1, options: nil, sourceLocation: sourceLocation)
        #expect(connection.state == .established, sourceLocation: sourceLocation)
        return connection
    }
}
