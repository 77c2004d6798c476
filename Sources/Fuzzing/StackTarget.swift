import Apps
import NetStack
import Simulation
import SmartNIC
import Wire

/// A datagram delivered to a host's NIC port as its tunnel socket would deliver it, with the
/// host listening on TCP port 80 and running the UDP echo service, and 100 ms of virtual time
/// after it for the timers it sets. The network is made again for every input, so a finding
/// replays from its input alone.
enum StackTarget {
    /// h1 (10.0.0.1) and h2 (10.0.0.2) on one link of smart NICs with 1 MiB of card memory.
    final class World {
        let net = SimulatedNetwork(seed: 1)
        let h1: NetworkStack, h2: NetworkStack
        let link: SimulatedLink
        private let listener: TCPListener
        private var accepted: [TCPConnection] = []
        private let echo: UDPEchoService

        init() {
            net.nic = NICConfiguration(mode: .smart, cardMemory: 1 << 20)
            h1 = net.addHost("h1")
            h2 = net.addHost("h2")
            link = net.link(h1, IPv4Interface("10.0.0.1/24")!, h2, IPv4Interface("10.0.0.2/24")!)
            // Port 80 and 7 are free on a fresh stack: these cannot fail.
            listener = try! h1.listen(port: 80)
            echo = try! UDPEchoService(stack: h1)
            listener.onAcceptable = { [unowned self] in
                while let connection = listener.accept() {
                    accepted.append(connection)
                    connection.onEvent = { [unowned connection] _ in
                        var scratch = [UInt8](repeating: 0, count: 4096)
                        while scratch.withUnsafeMutableBytes({ connection.receive(into: $0) }) > 0 {}
                    }
                }
            }
        }

        /// h1's end of the link: where the input arrives.
        var port: NICPort { link.portA }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        let world = World()
        world.port.receive(datagram: input, from: world.port.peer)
        world.net.run(for: .milliseconds(100))
    }
}
