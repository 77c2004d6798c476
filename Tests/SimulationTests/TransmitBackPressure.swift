import NetStack
import SmartNIC
import Apps
import Testing
import Wire

/// A full socket buffer holds TCP back instead of losing its frames: the sender's port takes
/// only `budget` frames per round (a socket buffer that drains at a fixed rate), reports the
/// rest as "queue full", keeps them in its ring, and stops its queue; the connection stops
/// sending until the ring drains. The transfer completes byte for byte without one
/// retransmission and without one frame dropped on the way out.
@Suite("transmit back-pressure")
struct TransmitBackPressure {
    @Test(arguments: [NICMode.smart, .conventional])
    func aFullSocketHoldsTCPBackAndLosesNothing(mode: NICMode) throws {
        let wire = SmartPathAllocations.SlotWire(capacity: 16_384)
        let client = NetworkStack(hostname: "client", seed: 1)
        let server = NetworkStack(hostname: "server", seed: 2)
        let underlayA = UnderlayAddress(ipv4: 0x7f00_0001, port: 1), underlayB = UnderlayAddress(ipv4: 0x7f00_0001, port: 2)
        let portA = NICPort(name: "client:eth0", linkID: 1, peer: underlayB, driver: NICDriver(configuration: NICConfiguration(mode: mode)))
        let portB = NICPort(name: "server:eth0", linkID: 1, peer: underlayA, driver: NICDriver(configuration: NICConfiguration(mode: mode)))
        client.addInterface(name: "eth0", mac: MACAddress(2, 0, 0, 0, 0, 1), address: IPv4Interface("10.0.0.1/24")!, port: portA)
        server.addInterface(name: "eth0", mac: MACAddress(2, 0, 0, 0, 0, 2), address: IPv4Interface("10.0.0.2/24")!, port: portB)
        portB.send = { [unowned wire, unowned portA] parts in wire.carry(parts, to: portA) }
        portA.send = { [unowned wire, unowned portB] parts in wire.carry(parts, to: portB) }
        // The client's port stages frames and flushes them through a socket that takes 12
        // frames a round, far less than the window TCP opens on a clean link.
        portA.batching = true
        var budget = 0
        portA.sendBatch = { [unowned wire, unowned portB] ring in
            var sent = 0
            while sent < ring.frameCount && budget > 0 {
                guard wire.carry(ring.frame(sent), to: portB) else { break }
                sent += 1
                budget -= 1
            }
            return BatchSendResult(sent: sent, queueFull: sent < ring.frameCount)
        }

        let listener = try server.listen(port: 80)
        var receiver: BulkEndpoint?
        listener.onAcceptable = {
            if let connection = listener.accept() { receiver = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 0, receiveSeed: 9) }
        }
        let connection = try client.connect(to: IPv4Address(10, 0, 0, 2), port: 80)
        let total = 8 << 20
        let sender = BulkEndpoint(connection: connection, sendCount: total, sendSeed: 9, receiveSeed: 0)
        var now = Instant.zero
        for _ in 0..<400_000 where !(sender.isClosed && receiver?.isClosed == true) {
            now = now + .microseconds(100)
            budget = 12
            client.advance(to: now)
            server.advance(to: now)
            portA.flush()          // what waited in the stopped ring goes first, as a node's retry does
            client.poll()
            server.poll()
            portA.flush()
            wire.deliverRound()
        }
        #expect(receiver?.received == total && receiver?.mismatchAt == nil)
        #expect(portA.counters.transmitStops > 0, "the socket never filled: the test proves nothing")
        #expect(connection.counters.deviceHoldBacks > 0)
        #expect(portA.counters.droppedOnSend == 0 && portA.counters.droppedRingFull == 0)
        #expect(connection.counters.bytesRetransmitted == 0, "frames held back were sent again as if lost")
        #expect(connection.counters.retransmissionTimeouts == 0)
    }
}
