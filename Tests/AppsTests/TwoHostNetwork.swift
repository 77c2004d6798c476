import Apps
import NetStack
import SmartNIC
import Wire

/// Two stacks joined by one in-memory link under a virtual clock: frames cross after a
/// fixed one-way delay, in order, with every frame kept for the test to read. Enough for ARP,
/// ICMP and ping; whole networks with impairments are Simulation's.
final class TwoHostNetwork {
    let a: NetworkStack
    let b: NetworkStack
    let portA: NICPort
    let portB: NICPort
    var now = Instant.zero
    /// The apps' timers (ping's), on the same virtual clock.
    let timers = AppTimers()
    let delay: Duration
    /// Datagrams in flight: (arrival time, destination port, bytes).
    private var inFlight: [(Instant, NICPort, [UInt8])] = []
    /// Every frame put on the link, for assertions.
    private(set) var wire: [(from: String, bytes: [UInt8])] = []

    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)
    static let macA = MACAddress(2, 0, 0, 0, 1, 0)
    static let macB = MACAddress(2, 0, 0, 0, 2, 0)
    static let underlayA = UnderlayAddress(ipv4: 0x7f00_0001, port: 4000)
    static let underlayB = UnderlayAddress(ipv4: 0x7f00_0001, port: 4001)

    init(delay: Duration = .milliseconds(1), prefix: Int = 24) {
        self.delay = delay
        a = NetworkStack(hostname: "a")
        b = NetworkStack(hostname: "b")
        portA = NICPort(name: "a:eth0", linkID: 1, peer: Self.underlayB)
        portB = NICPort(name: "b:eth0", linkID: 1, peer: Self.underlayA)
        a.addInterface(name: "eth0", mac: Self.macA, address: IPv4Interface(address: Self.addressA, prefixLength: prefix), port: portA)
        b.addInterface(name: "eth0", mac: Self.macB, address: IPv4Interface(address: Self.addressB, prefixLength: prefix), port: portB)
        portA.send = { [unowned self] datagram in self.put(datagram, from: "a", to: self.portB); return true }
        portB.send = { [unowned self] datagram in self.put(datagram, from: "b", to: self.portA); return true }
    }

    private func put(_ datagram: UnsafeBufferPointer<UnsafeRawBufferPointer>, from: String, to port: NICPort) {
        let bytes = datagram.flatMap { Array($0) }
        wire.append((from, Array(bytes.dropFirst(VXLANHeaderView.length))))
        inFlight.append((now + delay, port, bytes))
    }

    /// Injects raw frame bytes into a stack's port as if its peer had sent them.
    func inject(_ frame: [UInt8], into port: NICPort) {
        var datagram = [UInt8](repeating: 0, count: VXLANHeaderView.length)
        datagram.withUnsafeMutableBytes { VXLANRepr(vni: port.linkID).emit(into: $0) }
        datagram += frame
        datagram.withUnsafeBytes { port.receive(datagram: $0, from: port.peer) }
    }

    /// Advances virtual time event by event until `end` or until nothing is left to do.
    func run(until end: Instant) {
        while true {
            let nextArrival = inFlight.map(\.0).min()
            let next = [nextArrival, a.nextDeadline, b.nextDeadline, timers.nextDeadline].compactMap { $0 }.min()
            guard let next, next <= end else { break }
            now = max(now, next)
            a.advance(to: now)
            b.advance(to: now)
            let arrived = inFlight.filter { $0.0 <= now }
            inFlight.removeAll { $0.0 <= now }
            for (_, port, bytes) in arrived {
                bytes.withUnsafeBytes { port.receive(datagram: $0, from: port.peer) }
            }
            a.poll()
            b.poll()
            timers.fire(now: now)
        }
        now = max(now, end)
        a.advance(to: now)
        b.advance(to: now)
    }

    func run(for duration: Duration) { run(until: now + duration) }
}
