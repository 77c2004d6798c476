import Apps
import NetStack
import Simulation
import SmartNIC
import Wire

/// Two stacks on one simulated link (the one in-memory wire every test and the simulator use),
/// with a fixed one-way delay each way and every frame kept, as sent, for the test to read.
final class TwoHostNetwork {
    let net: SimulatedNetwork
    let a: NetworkStack
    let b: NetworkStack
    let portA: NICPort
    let portB: NICPort
    /// Every frame put on the link, in order, by the name of the stack that sent it.
    private(set) var wire: [(from: String, bytes: [UInt8])] = []

    static let addressA = IPv4Address(10, 0, 0, 1)
    static let addressB = IPv4Address(10, 0, 0, 2)

    init(delay: Duration = .milliseconds(1), prefix: Int = 24) {
        net = SimulatedNetwork(seed: 1)
        a = net.addHost("a")
        b = net.addHost("b")
        let link = net.link(a, IPv4Interface(address: Self.addressA, prefixLength: prefix),
                            b, IPv4Interface(address: Self.addressB, prefixLength: prefix),
                            aToB: Impairments(delay: delay), bToA: Impairments(delay: delay))
        portA = link.portA
        portB = link.portB
        net.onTransmit = { [unowned self] port, frame in
            self.wire.append((port === self.portA ? "a" : "b", frame))
        }
    }

    var macA: MACAddress { a.interfaces[0].mac }
    var macB: MACAddress { b.interfaces[0].mac }
    /// The apps' timers (ping's), on the network's virtual clock.
    var timers: AppTimers { net.timers }

    /// Injects raw frame bytes into a stack's port as if its peer had sent them.
    func inject(_ frame: [UInt8], into port: NICPort) { net.inject(frame, into: port) }

    func run(for duration: Duration) { net.run(for: duration) }
}
