import Apps
import NetStack
import Simulation
import SmartNIC
import Testing
import Wire

@Suite("A neighbour entry in use is re-confirmed, not dropped, when it expires")
struct ARPRefreshTests {
    /// The ARP frames `from` put on the wire, as (destination MAC, operation).
    static func arpFrames(_ net: TwoHostNetwork, from: String) -> [(MACAddress, UInt16)] {
        net.wire.filter { $0.from == from && $0.bytes.count >= 42 && $0.bytes[12] == 0x08 && $0.bytes[13] == 0x06 }.map { frame in
            (frame.bytes.withUnsafeBytes { MACAddress(reading: $0, at: 0) }, UInt16(frame.bytes[20]) << 8 | UInt16(frame.bytes[21]))
        }
    }

    @Test("150 s of pings: one broadcast request, then unicast probes, and no ping ever waits for ARP")
    func activeFlowKeepsItsEntry() {
        let net = TwoHostNetwork(delay: .milliseconds(1))
        var events: [PingEvent] = []
        _ = PingSession(stack: net.a, timers: net.timers, destination: TwoHostNetwork.addressB, count: 150,
                        interval: .seconds(1)) { events.append($0) }
        net.run(for: .seconds(160))
        let rtts = events.compactMap { event -> Duration? in
            if case let .reply(_, _, _, _, rtt) = event { return rtt }
            return nil
        }
        #expect(rtts.count == 150)
        // The first waited for ARP (two more crossings); every later one crossed twice only,
        // the ones sent when the entry had gone stale included.
        #expect(rtts.dropFirst().allSatisfy { $0 == .milliseconds(2) })
        let requests = Self.arpFrames(net, from: "a").filter { $0.1 == 1 }
        #expect(requests.first?.0 == .broadcast)
        #expect(requests.dropFirst().allSatisfy { $0.0 == net.macB }, "probes go to the MAC on record")
        #expect(net.a.counters.arpRequestsSent == 1)
        #expect(net.b.counters.arpRequestsSent == 0, "b learned a from its request")
        // Each entry goes stale 30 s after it was last confirmed; either side's probe confirms
        // both (a request refreshes the asker's entry at the one asked).
        #expect(net.a.counters.arpProbesSent + net.b.counters.arpProbesSent >= 3)
        #expect(net.a.counters.droppedARPFailed == 0)
    }

    @Test("a neighbour that stops answering is probed three times, then asked for by broadcast again")
    func deadNeighbourGoes() {
        let net = TwoHostNetwork(delay: .milliseconds(1))
        var events: [PingEvent] = []
        _ = PingSession(stack: net.a, timers: net.timers, destination: TwoHostNetwork.addressB, count: 80,
                        interval: .seconds(1)) { events.append($0) }
        net.run(for: .seconds(10))
        net.portB.isLinkUp = false
        net.run(for: .seconds(60))
        #expect(net.a.counters.arpProbesSent == 3)
        // Gone after the probes: the next pings ask by broadcast, and fail.
        #expect(net.a.counters.arpRequestsSent > 1)
        #expect(net.a.counters.droppedARPFailed > 0)
        #expect(Self.arpFrames(net, from: "a").last?.0 == .broadcast)
    }
}
