import Testing
@testable import SmartNIC
import Wire

@Suite("checksum offload in the NIC port")
struct ChecksumOffloadTests {
    let peer = UnderlayAddress(ipv4: 0x7f00_0001, port: 47101)
    let source = IPv4Address(10, 0, 0, 2)
    let destination = IPv4Address(10, 0, 0, 1)

    /// An Ethernet+IPv4+TCP frame with 100 payload bytes; its TCP checksum left zero or filled.
    func tcpFrame(checksummed: Bool) -> [UInt8] {
        let header = TCPHeaderRepr(sourcePort: 80, destinationPort: 40_000, sequenceNumber: 7, acknowledgmentNumber: 9,
                                   flags: [.ack, .psh], window: 1000)
        let tcpLength = header.headerLength + 100
        var frame = [UInt8](repeating: 0, count: 14 + 20 + tcpLength)
        frame.withUnsafeMutableBytes { b in
            EthernetRepr(destination: MACAddress(2, 0, 0, 0, 1, 0), source: MACAddress(2, 0, 0, 0, 2, 0), etherType: EtherType.ipv4).emit(into: b)
            let ip = UnsafeMutableRawBufferPointer(rebasing: b[14...])
            IPv4Repr(source: source, destination: destination, protocolNumber: IPProtocol.tcp, payloadLength: tcpLength).emit(into: ip)
            let segment = UnsafeMutableRawBufferPointer(rebasing: ip[20...])
            header.emit(into: segment)
            for i in 0..<100 { segment[header.headerLength + i] = UInt8(i) }
            if checksummed { TCPHeaderRepr.fillChecksum(segment, source: source, destination: destination) }
        }
        return frame
    }

    func datagram(_ frame: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 8)
        header.withUnsafeMutableBytes { VXLANRepr(vni: 1).emit(into: $0) }
        return header + frame
    }

    @Test func goodFramesAreMarkedBadOnesCountedAndPassedUnmarked() {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer)
        port.checksumOffload = true
        var marks: [Bool] = []
        port.deliver = { packet in marks.append(packet.checksumsVerified) }
        datagram(tcpFrame(checksummed: true)).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        var damaged = tcpFrame(checksummed: true)
        damaged[14 + 20 + 20 + 50] ^= 0x10
        datagram(damaged).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        #expect(marks == [true, false])
        #expect(port.counters.checksumsVerified == 1)
        #expect(port.counters.checksumErrors == 1)
    }

    @Test func withoutOffloadNothingIsMarked() {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer)
        var marks: [Bool] = []
        port.deliver = { packet in marks.append(packet.checksumsVerified) }
        datagram(tcpFrame(checksummed: true)).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        #expect(marks == [false])
        #expect(port.counters.checksumsVerified == 0)
    }

    @Test func transmitComputesTheTCPChecksumTheHostLeftZero() throws {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer)
        port.checksumOffload = true
        var sent: [UInt8] = []
        port.send = { sent = $0.joinedBytes; return true }
        port.transmit(frame: tcpFrame(checksummed: false))
        #expect(Array(sent.dropFirst(8)) == tcpFrame(checksummed: true))
        #expect(port.counters.checksumsComputed == 1)
        // Without offload the frame leaves as the host wrote it.
        let plain = NICPort(name: "h1:eth1", linkID: 1, peer: peer)
        plain.send = { sent = $0.joinedBytes; return true }
        plain.transmit(frame: tcpFrame(checksummed: false))
        #expect(Array(sent.dropFirst(8)) == tcpFrame(checksummed: false))
    }

    /// The smart path's transmit: the host writes the headers, the data part is cached on the
    /// card; the datagram leaves as two parts, the second pointing into card memory (no copy),
    /// and the card's checksum covers both.
    @Test func aCachedPayloadLeavesStraightFromCardMemoryWithItsChecksum() throws {
        let driver = NICDriver(configuration: .smart)
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer, driver: driver)
        let whole = tcpFrame(checksummed: true)
        let headerLength = whole.count - 100
        var payload = try #require(driver.allocatePayload(capacity: 100))
        _ = whole.withUnsafeBytes { driver.append(UnsafeRawBufferPointer(rebasing: $0[headerLength...]), to: &payload) }
        var parts: [UnsafeRawBufferPointer] = []
        var sent: [UInt8] = []
        port.send = { datagram in
            parts = Array(datagram)
            sent = datagram.joinedBytes
            return true
        }
        let headers = tcpFrame(checksummed: false).prefix(headerLength)
        port.transmit(headerLength: headerLength, headers: { buffer in headers.withUnsafeBytes { buffer.copyMemory(from: $0) } },
                      data: { $0.append(payload) })
        #expect(parts.count == 2)
        #expect(parts[1].baseAddress == UnsafeRawPointer(payload.region.baseAddress))
        #expect(Array(sent.dropFirst(8)) == whole, "the checksum the card computed over headers and cached data")
        // The bus carried the payload once (write) and the headers; the CPU copied nothing.
        #expect(driver.counters.hostToCardBytes == 100 + headerLength)
        #expect(driver.counters.cpuCopiedBytes == 0)
        payload.release()
    }
}
