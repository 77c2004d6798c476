import AllocationCounter
import NetStack
import SmartNIC
import Apps
import Simulation
import Testing
import Wire

/// "No allocation per frame on the smart path in steady state", counted: two stacks on smart
/// NICs, joined by a wire whose frame slots are allocated once, move a bulk transfer; once it
/// runs, the heap allocations made while thousands of frames cross are counted.
@Suite("smart path allocations", .serialized,
       .enabled(if: nicbed_allocations_available() != 0, "AddressSanitizer owns malloc in this build: nothing can be counted"))
struct SmartPathAllocations {
    /// A wire of preallocated slots: each datagram is copied into the next slot (as a socket
    /// copies it into the kernel) and delivered from there.
    final class SlotWire {
        static let slotSize = 9216
        let slots: UnsafeMutableRawBufferPointer
        var lengths: [Int]
        var destinations: [NICPort?]
        var head = 0, tail = 0
        let capacity: Int
        /// Every `dropEvery`-th datagram is lost on the way (0: none), so the receiver holds
        /// data out of order and ACKs with SACK blocks, and the sender recovers.
        let dropEvery: Int
        private(set) var carried = 0
        private(set) var dropped = 0
        private var offered = 0

        init(capacity: Int = 4096, dropEvery: Int = 0) {
            self.capacity = capacity
            self.dropEvery = dropEvery
            slots = .allocate(byteCount: capacity * Self.slotSize, alignment: 16)
            lengths = [Int](repeating: 0, count: capacity)
            destinations = [NICPort?](repeating: nil, count: capacity)
        }

        deinit { slots.deallocate() }

        func carry(_ parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, to port: NICPort) -> Bool {
            guard tail - head < capacity else { return false }
            offered += 1
            if dropEvery > 0 && offered % dropEvery == 0 {
                dropped += 1
                return true
            }
            let slot = tail % capacity
            var length = 0
            for part in parts {
                (slots.baseAddress! + slot * Self.slotSize + length).copyMemory(from: part.baseAddress!, byteCount: part.count)
                length += part.count
            }
            lengths[slot] = length
            destinations[slot] = port
            tail += 1
            return true
        }

        /// Delivers the datagrams in flight now; their answers wait for the next round (so a
        /// round is about one round trip, and time moves between rounds).
        func deliverRound() {
            let end = tail
            while head < end {
                let slot = head % capacity
                head += 1
                carried += 1
                let port = destinations[slot]!
                port.receive(datagram: UnsafeRawBufferPointer(start: slots.baseAddress! + slot * Self.slotSize, count: lengths[slot]),
                             from: port.peer)
            }
        }
    }

    /// Clean, and with one datagram in 300 lost: reassembly, SACK blocks, the scoreboard and
    /// recovery run on every loss, and allocate nothing either.
    @Test("a burst of frames on the smart path allocates nothing", arguments: [0, 300])
    func aBurstOfFramesOnTheSmartPathAllocatesNothing(dropEvery: Int) throws {
        let wire = SlotWire(dropEvery: dropEvery)
        let client = NetworkStack(hostname: "client", seed: 1)
        let server = NetworkStack(hostname: "server", seed: 2)
        let underlayA = UnderlayAddress(ipv4: 0x7f00_0001, port: 1), underlayB = UnderlayAddress(ipv4: 0x7f00_0001, port: 2)
        let portA = NICPort(name: "client:eth0", linkID: 1, peer: underlayB, driver: NICDriver(configuration: .smart))
        let portB = NICPort(name: "server:eth0", linkID: 1, peer: underlayA, driver: NICDriver(configuration: .smart))
        client.addInterface(name: "eth0", mac: MACAddress(2, 0, 0, 0, 0, 1), address: IPv4Interface("10.0.0.1/24")!, port: portA)
        server.addInterface(name: "eth0", mac: MACAddress(2, 0, 0, 0, 0, 2), address: IPv4Interface("10.0.0.2/24")!, port: portB)
        portA.send = { [unowned wire, unowned portB] parts in wire.carry(parts, to: portB) }
        portB.send = { [unowned wire, unowned portA] parts in wire.carry(parts, to: portA) }

        let listener = try server.listen(port: 80)
        var receiver: BulkEndpoint?
        listener.onAcceptable = {
            if let connection = listener.accept() { receiver = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 0, receiveSeed: 5) }
        }
        let connection = try client.connect(to: IPv4Address(10, 0, 0, 2), port: 80)
        let sender = BulkEndpoint(connection: connection, sendCount: 1 << 30, sendSeed: 5, receiveSeed: 0)

        var now = Instant.zero
        // Bounded: a stall must fail the test, not hang it (a few seconds of virtual time
        // carry the 24 MiB at any working rate; 200,000 steps are 20 virtual seconds).
        var steps = 0
        func step() throws {
            steps += 1
            guard steps < 200_000 else {
                throw Stalled(description: "the transfer stalled at \(receiver?.received ?? 0) bytes after \(steps) steps")
            }
            now = now + .microseconds(100)
            client.advance(to: now)
            server.advance(to: now)
            client.poll()
            server.poll()
            wire.deliverRound()
        }
        // Warm up: handshake, slow start, queues and tables at their working size.
        while (receiver?.received ?? 0) < 8 << 20 { try step() }
        let framesBefore = wire.carried
        let receivedBefore = receiver!.received

        nicbed_allocations_begin()
        var stalled: Error?
        while receiver!.received - receivedBefore < 16 << 20 && stalled == nil {
            do { try step() } catch { stalled = error }
        }
        let allocations = nicbed_allocations_end()
        if let stalled { throw stalled }

        let frames = wire.carried - framesBefore
        if dropEvery > 0 {
            #expect(wire.dropped > 20, "the lossy burst lost \(wire.dropped) datagrams")
            #expect(connection.counters.fastRetransmits > 0 || connection.counters.bytesRetransmitted > 0)
        }
        #expect(frames > 10_000, "the burst must be thousands of frames, not a handful")
        #expect(allocations == 0, "\(allocations) heap allocations while \(frames) frames crossed the smart path")
        #expect(receiver!.mismatchAt == nil)
        #expect(sender.sent > receiver!.received)
        // It really was the smart path: nothing copied by the CPU, payloads on the card.
        #expect(portA.driver.counters.cpuCopiedBytes == 0 && portB.driver.counters.cpuCopiedBytes == 0)
        #expect(portA.driver.card!.peakAllocatedBytes > 0 && portB.driver.card!.peakAllocatedBytes > 0)
        connection.abort()
    }

    @Test func theCounterSeesAnAllocation() {
        // The count above must be able to fail: a fresh array on the heap is counted.
        nicbed_allocations_begin()
        let array = [UInt8](repeating: 1, count: Int.random(in: 1000...2000))
        let allocations = nicbed_allocations_end()
        #expect(array.count >= 1000)
        #expect(allocations >= 1)
    }
}

/// A transfer that stopped moving: the test fails with what it reached.
struct Stalled: Error, CustomStringConvertible {
    let description: String
}
