import Apps
import Foundation
import NetStack
import SmartNIC
import Wire

/// Stacks in one process, joined by in-memory links with seeded impairments, under a virtual
/// clock (ARCHITECTURE.md, "The sans-I/O core and its two drivers"). The very NIC ports and stacks that run in node processes run
/// here; only the socket and the clock are replaced. Every run is reproducible from its seed.
public final class SimulatedNetwork {
    public private(set) var now = Instant.zero
    public private(set) var stacks: [NetworkStack] = []
    private var events = EventQueue<(port: NICPort, bytes: [UInt8])>()
    private var links: [SimulatedLink] = []
    public private(set) var bridges: [LearningBridge] = []
    /// The apps' timers, for every host: one virtual clock serves them all.
    public let timers = AppTimers()
    private var nextUnderlayPort: UInt16 = 1
    private var random: SeededRandom
    private var lastInstant = Instant.zero
    private var eventsAtSameInstant = 0
    /// Set when the network stopped because events kept coming without time advancing.
    public private(set) var livelockDetectedAt: Instant?
    /// Every NIC port, both ends of every link.
    public var ports: [NICPort] { links.flatMap { [$0.portA, $0.portB] } }
    /// Frames in flight, for a bound on memory in long runs.
    public var framesInFlight: Int { events.count }

    /// Sees every frame a port puts on a link, as it leaves the port and before the link's
    /// impairments, with the port that sent it (a tracer, as smoltcp's `Tracer` wraps a device).
    public var onTransmit: ((_ port: NICPort, _ frame: [UInt8]) -> Void)?

    /// The NICs of links made from now on: their mode, card memory and checksum offload.
    public var nic = NICConfiguration.conventional

    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// Adds a host stack; its ISNs and ephemeral ports come from the network's seed.
    public func addHost(_ name: String, configuration: TCPConfiguration = TCPConfiguration()) -> NetworkStack {
        let stack = NetworkStack(hostname: name, now: now, seed: random.next())
        stack.tcpConfiguration = configuration
        stacks.append(stack)
        return stack
    }

    /// Adds a learning switch; cable it with `link(_:_:to:)` and `link(_:to:)`.
    public func addSwitch(_ name: String) -> LearningBridge {
        let bridge = LearningBridge(name: name, now: now)
        bridges.append(bridge)
        return bridge
    }

    /// Cables two stacks together with an interface on each, impaired independently per direction.
    @discardableResult
    public func link(_ a: NetworkStack, _ addressA: IPv4Interface, _ b: NetworkStack, _ addressB: IPv4Interface,
                     aToB: Impairments = .none, bToA: Impairments = .none, mtu: Int = 1500) -> SimulatedLink {
        let link = makeLink(a.hostname, a.interfaces.count, b.hostname, b.interfaces.count, aToB: aToB, bToA: bToA)
        a.addInterface(name: "eth\(a.interfaces.count)", mac: MACAddress(2, 0, 0, UInt8(link.id), 0, 1), address: addressA, port: link.portA, mtu: mtu)
        b.addInterface(name: "eth\(b.interfaces.count)", mac: MACAddress(2, 0, 0, UInt8(link.id), 0, 2), address: addressB, port: link.portB, mtu: mtu)
        return link
    }

    /// Cables a stack to a switch port.
    @discardableResult
    public func link(_ host: NetworkStack, _ address: IPv4Interface, to bridge: LearningBridge,
                     impairments: Impairments = .none) -> SimulatedLink {
        let link = makeLink(host.hostname, host.interfaces.count, bridge.name, bridge.ports.count, aToB: impairments, bToA: impairments)
        host.addInterface(name: "eth\(host.interfaces.count)", mac: MACAddress(2, 0, 0, UInt8(link.id), 0, 1), address: address, port: link.portA)
        bridge.addPort(link.portB)
        return link
    }

    /// Cables two switches together (no loops: a bridge has no spanning tree).
    @discardableResult
    public func link(_ a: LearningBridge, to b: LearningBridge) -> SimulatedLink {
        let link = makeLink(a.name, a.ports.count, b.name, b.ports.count, aToB: .none, bToA: .none)
        a.addPort(link.portA)
        b.addPort(link.portB)
        return link
    }

    private func makeLink(_ nameA: String, _ indexA: Int, _ nameB: String, _ indexB: Int,
                          aToB: Impairments, bToA: Impairments) -> SimulatedLink {
        let id = UInt32(links.count + 1)
        let underlayA = UnderlayAddress(ipv4: 0x7f00_0001, port: nextUnderlayPort)
        let underlayB = UnderlayAddress(ipv4: 0x7f00_0001, port: nextUnderlayPort + 1)
        nextUnderlayPort += 2
        let portA = NICPort(name: "\(nameA):eth\(indexA)", linkID: id, peer: underlayB, driver: NICDriver(configuration: nic))
        let portB = NICPort(name: "\(nameB):eth\(indexB)", linkID: id, peer: underlayA, driver: NICDriver(configuration: nic))
        let link = SimulatedLink(id: id, portA: portA, portB: portB,
                                 aToB: FaultInjector(impairments: aToB, seed: random.next()),
                                 bToA: FaultInjector(impairments: bToA, seed: random.next()))
        links.append(link)
        portA.send = { [unowned self, unowned link] datagram in
            self.trace(datagram, from: link.portA)
            self.carry(datagram, through: &link.aToB, to: link.portB)
            return true
        }
        portB.send = { [unowned self, unowned link] datagram in
            self.trace(datagram, from: link.portB)
            self.carry(datagram, through: &link.bToA, to: link.portA)
            return true
        }
        return link
    }

    private func trace(_ parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, from port: NICPort) {
        guard let onTransmit else { return }
        onTransmit(port, Array(parts.flatMap { $0 }.dropFirst(port.encapsulation.headerLength)))
    }

    /// Hands `frame` to `port` as if its peer had sent it, framed as the link frames it.
    public func inject(_ frame: [UInt8], into port: NICPort) {
        var datagram = [UInt8](repeating: 0, count: port.encapsulation.headerLength)
        if port.encapsulation == .vxlan { datagram.withUnsafeMutableBytes { VXLANRepr(vni: port.linkID).emit(into: $0) } }
        datagram += frame
        datagram.withUnsafeBytes { port.receive(datagram: $0, from: port.peer) }
    }

    private func carry(_ parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, through injector: inout FaultInjector, to port: NICPort) {
        let headroom = VXLANHeaderView.length
        let length = parts.reduce(0) { $0 + $1.count }
        for delivery in injector.schedule(length: length - headroom, now: now) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(length)
            for part in parts { bytes.append(contentsOf: part) }
            if let index = delivery.corruptByte { bytes[headroom + index] ^= delivery.corruptMask }
            events.push((port, bytes), at: delivery.at)
        }
    }

    /// Records every frame of every port to `<directory>/<port>.pcap`, stamped with virtual
    /// time, so a failing seed can be read in tshark or Wireshark.
    public func capture(to directory: String) throws {
        for link in links {
            for port in [link.portA, link.portB] {
                port.capture = try PcapWriter(path: "\(directory)/\(port.name.replacingOccurrences(of: ":", with: "-")).pcap")
                port.captureClock = { [unowned self] in self.now.nanoseconds }
            }
        }
    }

    public func closeCaptures() {
        for link in links { link.portA.capture?.close(); link.portB.capture?.close() }
    }

    /// The earliest moment anything happens: a frame arrives or a stack's timer fires.
    public var nextEventTime: Instant? {
        ([events.nextTime, timers.nextDeadline] + stacks.map(\.nextDeadline) + bridges.map(\.nextDeadline)).compactMap { $0 }.min()
    }

    /// Advances virtual time event by event; stops at `deadline` or when `until` holds.
    /// Returns whether the condition was met.
    @discardableResult
    public func run(until deadline: Instant, stopWhen condition: () -> Bool = { false }) -> Bool {
        while !condition() {
            guard let next = nextEventTime, next <= deadline else {
                advanceClock(to: deadline)
                return condition()
            }
            advanceClock(to: next)
            // One arrival at a time, so that frames answering frames at the same instant are
            // counted: without any delay on a link, two stacks that answer each other's ACKs
            // forever would otherwise never let time move. Stop and say so.
            if let time = events.nextTime, time <= now, let event = events.pop() {
                event.payload.bytes.withUnsafeBytes { event.payload.port.receive(datagram: $0, from: event.payload.port.peer) }
            }
            if now == lastInstant {
                eventsAtSameInstant += 1
                if eventsAtSameInstant > 100_000 {
                    livelockDetectedAt = now
                    return false
                }
            } else {
                lastInstant = now
                eventsAtSameInstant = 0
            }
            for stack in stacks { stack.poll() }
            timers.fire(now: now)
            for bridge in bridges { bridge.poll() }
        }
        return true
    }

    @discardableResult
    public func run(for duration: Duration, stopWhen condition: () -> Bool = { false }) -> Bool {
        run(until: now + duration, stopWhen: { condition() })
    }

    private func advanceClock(to instant: Instant) {
        if instant > now { now = instant }
        for stack in stacks { stack.advance(to: now) }
        for bridge in bridges { bridge.advance(to: now) }
    }
}

/// Both directions of one simulated cable, each with its own fault injector.
public final class SimulatedLink {
    public let id: UInt32
    public let portA: NICPort
    public let portB: NICPort
    public var aToB: FaultInjector
    public var bToA: FaultInjector

    init(id: UInt32, portA: NICPort, portB: NICPort, aToB: FaultInjector, bToA: FaultInjector) {
        self.id = id
        self.portA = portA
        self.portB = portB
        self.aToB = aToB
        self.bToA = bToA
    }
}
