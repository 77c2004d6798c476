import Foundation
@testable import NetStack
import SmartNIC
import Testing
import Wire
import Apps
import Simulation

/// The node-wide TCP memory budget (`SocketMemory`): peers that send and never see their data
/// read fill it; from then on new connections are refused with RST, while an established
/// connection whose application reads goes on moving data on its guaranteed share.
@Suite("TCP memory pressure in simulation", .serialized)
struct MemoryPressureSimulation {
    static let budget = 4 << 20

    final class World {
        let net = SimulatedNetwork(seed: 77)
        let server: NetworkStack, client: NetworkStack, hoarder: NetworkStack
        /// Connections the server accepted on the hoarding port: held, never read.
        var held: [TCPConnection] = []
        var reader: BulkEndpoint?
        let readers: TCPListener, hoards: TCPListener

        init() throws {
            server = net.addHost("server")
            client = net.addHost("client")
            hoarder = net.addHost("hoarder")
            server.tcpConfiguration.memoryBudget = MemoryPressureSimulation.budget
            let lan = net.addSwitch("s1")
            let delay = Impairments(delay: .milliseconds(1))
            net.link(server, IPv4Interface("10.0.0.1/24")!, to: lan, impairments: delay)
            net.link(client, IPv4Interface("10.0.0.2/24")!, to: lan, impairments: delay)
            net.link(hoarder, IPv4Interface("10.0.0.3/24")!, to: lan, impairments: delay)
            readers = try server.listen(port: 9000)
            hoards = try server.listen(port: 9001)
            readers.onAcceptable = { [unowned self] in
                while let connection = readers.accept() {
                    reader = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 0, receiveSeed: 3)
                }
            }
            hoards.onAcceptable = { [unowned self] in
                while let connection = hoards.accept() { held.append(connection) }
            }
        }

        /// A connection from `host` to `port` that sends for ever.
        func sender(from host: NetworkStack, port: UInt16, seed: UInt64) throws -> BulkEndpoint {
            BulkEndpoint(connection: try host.connect(to: IPv4Address(10, 0, 0, 1), port: port),
                         sendCount: 1 << 40, sendSeed: seed, receiveSeed: 0)
        }

        /// Whether a new connection from the client is accepted, and how it ended if not.
        func tryConnecting() throws -> (connected: Bool, error: TCPError?) {
            let connection = try client.connect(to: IPv4Address(10, 0, 0, 1), port: 9000)
            var outcome: (Bool, TCPError?)?
            connection.onEvent = { event in
                switch event {
                case .connected: outcome = (true, nil)
                case .closed: outcome = (false, connection.error)
                default: break
                }
            }
            net.run(for: .seconds(1), stopWhen: { outcome != nil })
            let seen = outcome ?? (false, nil)
            connection.onEvent = nil
            connection.abort()
            return seen
        }
    }

    @Test func hoardersFillTheBudgetNewConnectionsAreRefusedTheReaderKeepsMoving() throws {
        let world = try World()
        let flow = try world.sender(from: world.client, port: 9000, seed: 3)
        world.net.run(for: .milliseconds(200))
        #expect(world.reader != nil)
        // Eight hoarders would hold 8 MiB of unread data at 1 MiB each: twice the budget.
        var hoarders: [BulkEndpoint] = []
        for seed in 0..<8 { hoarders.append(try world.sender(from: world.hoarder, port: 9001, seed: UInt64(10 + seed))) }
        world.net.run(for: .seconds(3))
        let memory = world.server.tcpMemory
        print("memory pressure: \(memory.charged >> 10) KiB charged of \(memory.budget >> 10) KiB (peak \(memory.peak >> 10) KiB), \(world.held.count) hoarders held, \(world.server.tcpCounters.memoryPressureRefusals) refusals")
        #expect(world.held.count == 8)
        #expect(memory.isUnderPressure, "8 MiB of unread data against a 4 MiB budget")
        // Beyond the budget only the guaranteed shares: one each way for each connection.
        #expect(memory.peak <= memory.budget + 10 * (2 * SocketMemory.guaranteedShare + SocketMemory.connectionState))

        // A new connection is refused with RST, and counted.
        let refused = try world.tryConnecting()
        #expect(!refused.connected)
        #expect(refused.error == .refused)
        #expect(world.server.tcpCounters.memoryPressureRefusals >= 1)

        // The established reader is not starved: its data still arrives, in order.
        let before = world.reader?.received ?? 0
        world.net.run(for: .seconds(2))
        let moved = (world.reader?.received ?? 0) - before
        print("memory pressure: the reader moved \(moved >> 10) KiB in 2 s under pressure")
        #expect(moved >= 1 << 20, "the reader moved \(moved) bytes in 2 s")
        #expect(world.reader?.mismatchAt == nil)

        // Once the hoarders go, the memory comes back and new connections are served again.
        for connection in world.held { connection.abort() }
        for hoarder in hoarders { hoarder.connection.abort() }
        world.net.run(for: .milliseconds(500))
        #expect(!world.server.tcpMemory.isUnderPressure)
        #expect(try world.tryConnecting().connected)
        _ = flow
    }

    @Test func connectRefusesUnderPressureWithAClearError() throws {
        let world = try World()
        // The server's own writes fill its budget: connections whose peers never read.
        world.client.tcpConfiguration.memoryBudget = 1 << 20
        let listener = try world.server.listen(port: 9002)
        var accepted: [TCPConnection] = []
        listener.onAcceptable = { while let connection = listener.accept() { accepted.append(connection) } }
        var writers: [TCPConnection] = []
        let chunk = [UInt8](repeating: 7, count: 256 << 10)
        // Writers until the client's own queues put it under pressure (the server, not reading,
        // takes 1 MiB from each before its window closes; then the client's queue fills).
        while !world.client.tcpMemory.isUnderPressure && writers.count < 8 {
            let connection = try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 9002)
            connection.onEvent = { event in
                if event == .connected || event == .writable { while connection.send(chunk) == chunk.count {} }
            }
            writers.append(connection)
            world.net.run(for: .seconds(1))
        }
        #expect(world.client.tcpMemory.isUnderPressure)
        #expect(throws: SocketError.self) { try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 9000) }
        do {
            _ = try world.client.connect(to: IPv4Address(10, 0, 0, 1), port: 9000)
        } catch {
            #expect("\(error)".contains("under pressure"), "\(error)")
        }
        #expect(world.client.tcpCounters.memoryPressureRefusals >= 1)
        for writer in writers { writer.abort() }
        world.net.run(for: .milliseconds(100))
        #expect(world.client.tcpMemory.charged == 0, "every connection's charge returns when it ends")
    }
}
