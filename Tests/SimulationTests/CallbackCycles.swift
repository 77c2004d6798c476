import Apps
@testable import NetStack
import Simulation
import Testing
import Wire

/// The commands hand their endpoints callbacks that read the endpoint itself (a progress line
/// prints what it received). Once a transfer is over nothing may keep the endpoint, its
/// connection and their storage alive: a cycle kept each one for the life of the node, about
/// 200 KB per transfer, which `nicbed soak` found as PSS growing round after round.
@Suite("callback cycles end with the transfer")
struct CallbackCycles {
    static func pair() -> (SimulatedNetwork, NetworkStack, NetworkStack) {
        let net = SimulatedNetwork(seed: 5)
        let a = net.addHost("a"), b = net.addHost("b")
        net.link(a, IPv4Interface("10.0.0.1/24")!, b, IPv4Interface("10.0.0.2/24")!)
        return (net, a, b)
    }

    @Test func aFinishedBulkTransferLeavesNoEndpointNoConnectionNoListener() throws {
        let (net, a, b) = Self.pair()
        weak var sender: BulkEndpoint?, receiver: BulkEndpoint?
        weak var sending: TCPConnection?, receiving: TCPConnection?, listening: TCPListener?
        var finished = 0
        do {
            let listener = try b.listen(port: 5001, backlog: 1)
            listening = listener
            listener.onAcceptable = {
                guard let connection = listener.accept() else { return }
                listener.close()
                let endpoint = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 0, receiveSeed: 9)
                endpoint.onProgress = { _ = endpoint.received }
                endpoint.onFinished = { finished += endpoint.mismatchAt == nil ? 1 : 0 }
                receiver = endpoint
                receiving = connection
            }
            let connection = try a.connect(to: IPv4Address(10, 0, 0, 2), port: 5001)
            let endpoint = BulkEndpoint(connection: connection, sendCount: 1 << 20, sendSeed: 9, receiveSeed: 0)
            endpoint.onProgress = { _ = endpoint.sent - connection.unacknowledgedBytes }
            endpoint.onFinished = { finished += endpoint.sent == 1 << 20 ? 1 : 0 }
            sender = endpoint
            sending = connection
        }
        net.run(for: .seconds(130), stopWhen: { finished == 2 && a.tcpConnectionCount == 0 && b.tcpConnectionCount == 0 })
        #expect(finished == 2)
        #expect(a.tcpConnectionCount == 0 && b.tcpConnectionCount == 0, "TIME-WAIT has passed")
        #expect(sender == nil && receiver == nil, "the endpoints went with their transfer")
        #expect(sending == nil && receiving == nil, "the connections went with their endpoints")
        #expect(listening == nil, "a closed listener drops its handler, which held it")
    }

    @Test func aFinishedUDPReceiverIsFreed() throws {
        let (net, a, b) = Self.pair()
        weak var weakReceiver: UDPReceiver?
        var done = false
        do {
            let receiver = try UDPReceiver(stack: b, timers: net.timers, port: 5201, idleTimeout: .milliseconds(200))
            receiver.onProgress = { _ = receiver.statistics }
            receiver.onDone = { done = receiver.statistics.received >= 0 }
            weakReceiver = receiver
            let socket = try a.bindUDP()
            try socket.send(Array(repeating: 1, count: 100), to: IPv4Address(10, 0, 0, 2), port: 5201)
        }
        net.run(for: .seconds(2), stopWhen: { done })
        #expect(done)
        #expect(weakReceiver == nil, "the receiver went once done")
    }
}
