import Apps
import NetStack
import Simulation
import SmartNIC
import Testing
import Wire

/// A sender held back by the receiver's window, on a clean path, must not keep growing cwnd:
/// the ACKs it gets prove only that a window's worth crosses the path. An inflated cwnd is
/// harmless until a loss, when CUBIC remembers it as W_max and cuts it to 0.7 of itself, a
/// window still far above anything sent, so the loss slows nothing. (At stop 31 a line3
/// transfer's page showed cwnd 282 MB with 1 MB in flight.)
@Suite("a sender limited by the receive window")
struct ReceiveWindowLimitedSender {
    static let receiveBuffer = 64 * 1024

    /// cwnd seen at most during 8 MB over a 10 ms RTT, and the flight at most.
    static func transfer(_ algorithm: CongestionAlgorithm) -> (cwnd: Int, flight: Int, mss: Int, intact: Bool) {
        var configuration = TCPConfiguration()
        configuration.congestionControl = algorithm
        configuration.sendBufferSize = 1024 * 1024
        configuration.receiveBufferSize = receiveBuffer
        let net = SimulatedNetwork(seed: 11)
        let client = net.addHost("client", configuration: configuration)
        let server = net.addHost("server", configuration: configuration)
        let oneWay = Impairments(delay: .milliseconds(5))
        net.link(client, IPv4Interface("10.0.0.1/24")!, server, IPv4Interface("10.0.0.2/24")!, aToB: oneWay, bToA: oneWay)
        let bytes = 8_000_000
        guard let listener = try? server.listen(port: 80),
              let connection = try? client.connect(to: IPv4Address(10, 0, 0, 2), port: 80) else { return (0, 0, 0, false) }
        var receiver: BulkEndpoint?
        listener.onAcceptable = {
            if let accepted = listener.accept() { receiver = BulkEndpoint(connection: accepted, sendCount: 0, sendSeed: 0, receiveSeed: 5) }
        }
        let sender = BulkEndpoint(connection: connection, sendCount: bytes, sendSeed: 5, receiveSeed: 0)
        var most = (cwnd: 0, flight: 0, mss: 0)
        net.run(until: net.now + .seconds(120)) {
            let info = sender.connection.info
            most = (max(most.cwnd, info.cwnd), max(most.flight, info.bytesInFlight), info.mss)
            return receiver?.received == bytes
        }
        return (most.cwnd, most.flight, most.mss, receiver?.received == bytes && receiver?.mismatchAt == nil)
    }

    @Test(arguments: [CongestionAlgorithm.newReno, .cubic])
    func cwndStaysNearTheWindowTheReceiverOffers(algorithm: CongestionAlgorithm) {
        let outcome = Self.transfer(algorithm)
        print("\(algorithm) through a \(Self.receiveBuffer)-byte window: cwnd \(outcome.cwnd) at most, flight \(outcome.flight) at most, mss \(outcome.mss)")
        #expect(outcome.intact)
        // The receiver's window held the flight; cwnd may lead it by the segments one ACK
        // may add, not by the megabytes the transfer would otherwise have grown it to.
        #expect(outcome.flight <= Self.receiveBuffer, "\(outcome)")
        #expect(outcome.cwnd <= outcome.flight + 4 * outcome.mss, "\(algorithm): \(outcome)")
    }
}
