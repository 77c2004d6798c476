import SmartNIC
import Wire

/// A learning Ethernet bridge (IEEE 802.1D without spanning tree): it learns which port each
/// source MAC lives behind, sends a frame to a known unicast destination on that port only,
/// floods broadcasts, multicasts and unknown destinations to every other port, and forgets
/// addresses not seen for `ageing`. There is no spanning tree: topologies must not loop (a
/// loop of switches would flood forever), and the topology loader refuses them.
/// Sans-I/O like the stack: frames come from its ports' `deliver`, time from `advance(to:)`.
public final class LearningBridge {
    public struct PortCounters: Sendable, Equatable, Codable {
        public var framesIn = 0
        public var framesOut = 0
        /// Frames this port received that went out on one learned port.
        public var forwarded = 0
        /// Frames this port received that went out on every other port.
        public var flooded = 0
        /// Frames whose destination lives behind the port they came in on: nothing to do.
        public var filtered = 0
        public var droppedMalformed = 0
        public init() {}
    }

    public let name: String
    public private(set) var ports: [NICPort] = []
    public private(set) var counters: [PortCounters] = []
    public private(set) var now: Instant
    /// How long a learned address is trusted without being seen again (802.1D's default).
    public var ageing: Duration = .seconds(300)
    /// Most addresses remembered; beyond it new ones are flooded to, not learned.
    public let maximumAddresses: Int
    private var table: [MACAddress: (port: Int, seen: Instant)] = [:]

    public init(name: String, now: Instant = .zero, maximumAddresses: Int = 8192) {
        self.name = name
        self.now = now
        self.maximumAddresses = maximumAddresses
    }

    public func addPort(_ port: NICPort) {
        let index = ports.count
        ports.append(port)
        counters.append(PortCounters())
        port.deliver = { [unowned self] packet in self.receive(&packet, on: index) }
    }

    public func advance(to instant: Instant) {
        if instant > now { now = instant }
    }

    /// The port a MAC was last seen on, if it is still trusted.
    public func port(of address: MACAddress) -> Int? {
        guard let entry = table[address], now.since(entry.seen) < ageing else { return nil }
        return entry.port
    }

    public var learnedAddresses: Int { table.count }

    /// Forgets addresses not seen for `ageing`.
    public func poll() {
        guard let deadline = nextDeadline, deadline <= now else { return }
        table = table.filter { now.since($0.value.seen) < ageing }
    }

    /// When the oldest learned address expires.
    public var nextDeadline: Instant? { table.values.lazy.map { $0.seen + self.ageing }.min() }

    func receive(_ packet: inout PacketBuffer, on index: Int) {
        counters[index].framesIn += 1
        let port = ports[index]
        // A bridge forwards whole frames: it reads all of each.
        port.driver.pull(&packet, upTo: packet.length)
        guard let ethernet = try? EthernetFrameView(checking: packet.head) else {
            counters[index].droppedMalformed += 1
            return
        }
        let source = ethernet.source, destination = ethernet.destination
        if !source.isMulticast && (table[source] != nil || table.count < maximumAddresses) {
            table[source] = (index, now)
        }
        if !destination.isMulticast, let out = self.port(of: destination) {
            if out == index {
                counters[index].filtered += 1
            } else {
                counters[index].forwarded += 1
                send(packet.head, on: out)
            }
            return
        }
        counters[index].flooded += 1
        for out in ports.indices where out != index { send(packet.head, on: out) }
    }

    private func send(_ frame: UnsafeRawBufferPointer, on index: Int) {
        counters[index].framesOut += 1
        ports[index].transmit(length: frame.count, checksumsFinal: true) { $0.copyMemory(from: frame) }
    }
}
