import Foundation
import Testing
import SmartNIC
import Wire

@Suite("NIC port: VXLAN framing, peer filtering, capture")
struct NICPortTests {
    let peer = UnderlayAddress(ipv4: 0x7f00_0001, port: 47101)

    func frame(length: Int = 64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xab, count: length)
        bytes[12] = 0x08; bytes[13] = 0x00
        return bytes
    }

    func datagram(vni: UInt32, flags: UInt8 = 0x08, frame: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 8)
        header.withUnsafeMutableBytes { VXLANRepr(vni: vni).emit(into: $0) }
        header[0] = flags
        return header + frame
    }

    @Test func deliversFramesFromThePeerOnItsVNI() {
        let port = NICPort(name: "h1:eth0", linkID: 7, peer: peer)
        var delivered: [[UInt8]] = []
        port.deliver = { packet in delivered.append(Array(packet.head)) }
        datagram(vni: 7, frame: frame()).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        #expect(delivered == [frame()])
        #expect(port.counters.receivedFrames == 1 && port.counters.receivedFrameBytes == 64)
    }

    @Test func dropsAndCountsEachKindOfUnwantedDatagram() {
        let port = NICPort(name: "h1:eth0", linkID: 7, peer: peer)
        var delivered = 0
        port.deliver = { _ in delivered += 1 }
        let stranger = UnderlayAddress(ipv4: 0x7f00_0001, port: 9)
        datagram(vni: 7, frame: frame()).withUnsafeBytes { port.receive(datagram: $0, from: stranger) }
        datagram(vni: 8, frame: frame()).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        datagram(vni: 7, flags: 0, frame: frame()).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        datagram(vni: 7, frame: Array(frame().prefix(13))).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        [UInt8]([0x08, 0, 0]).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        #expect(delivered == 0)
        #expect(port.counters.droppedForeignSource == 1)
        #expect(port.counters.droppedWrongVNI == 1)
        #expect(port.counters.droppedBadEncapsulation == 3)
        #expect(port.counters.receivedDatagrams == 5)
    }

    @Test func transmitWritesVXLANWithTheLinkVNIAndPadsRunts() throws {
        let port = NICPort(name: "h1:eth0", linkID: 0x12_3456, peer: peer)
        var sent: [[UInt8]] = []
        port.send = { sent.append($0.joinedBytes); return true }
        port.transmit(length: 42) { $0.initializeMemory(as: UInt8.self, repeating: 0x5a) }
        #expect(sent.count == 1)
        #expect(sent[0].count == 8 + 60)
        try sent[0].withUnsafeBytes { bytes in
            let header = try VXLANHeaderView(checking: bytes)
            #expect(header.vni == 0x12_3456)
        }
        #expect(Array(sent[0][8..<50]) == [UInt8](repeating: 0x5a, count: 42))
        #expect(Array(sent[0][50...]) == [UInt8](repeating: 0, count: 18))
        #expect(port.counters.transmittedFrames == 1 && port.counters.transmittedFrameBytes == 60)
    }

    @Test func rawEncapsulationCarriesBareFrames() {
        let port = NICPort(name: "q:eth0", linkID: 1, peer: peer, encapsulation: .raw)
        var sent: [[UInt8]] = []
        var delivered: [[UInt8]] = []
        port.send = { sent.append($0.joinedBytes); return true }
        port.deliver = { packet in delivered.append(Array(packet.head)) }
        port.transmit(frame: frame(length: 80))
        frame(length: 70).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        #expect(sent == [frame(length: 80)])
        #expect(delivered == [frame(length: 70)])
    }

    @Test func refusedSendsAreCountedAsDrops() {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer)
        port.send = { _ in false }
        port.transmit(frame: frame())
        #expect(port.counters.droppedOnSend == 1)
    }

    @Test func captureWritesClassicPcapOfBothDirections() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nicport-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = NICPort(name: "h1:eth0", linkID: 3, peer: peer)
        port.capture = try PcapWriter(path: path)
        port.send = { _ in true }
        port.transmit(frame: frame(length: 100))
        datagram(vni: 3, frame: frame(length: 64)).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        port.capture?.close()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func le32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
        #expect(le32(0) == 0xa1b2_c3d4)
        #expect(le32(20) == 1) // linktype Ethernet
        #expect(le32(24 + 8) == 100 && le32(24 + 12) == 100)
        let second = 24 + 16 + 100
        #expect(le32(second + 8) == 64)
        #expect(bytes.count == second + 16 + 64)
    }

    /// Where the capture sits, as tcpdump sits on Linux: what this end sends is recorded before
    /// its egress impairments (a frame the link then loses is still in the capture), what
    /// arrives after its ingress ones (a frame lost on the way in never reaches it).
    @Test func captureRecordsBeforeEgressImpairmentsAndAfterIngressOnes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nicport-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = NICPort(name: "h1:eth0", linkID: 3, peer: peer)
        port.capture = try PcapWriter(path: path)
        var sent = 0
        port.send = { _ in sent += 1; return true }
        port.egress = Impairments(loss: 1.0)
        port.ingress = Impairments(loss: 1.0)
        var delivered = 0
        port.deliver = { _ in delivered += 1 }
        for _ in 0..<3 { port.transmit(frame: frame(length: 100)) }
        for _ in 0..<2 { datagram(vni: 3, frame: frame(length: 64)).withUnsafeBytes { port.receive(datagram: $0, from: peer) } }
        port.capture?.close()
        #expect(sent == 0 && delivered == 0, "everything was lost both ways")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // The three frames sent, 100 bytes each, and nothing received.
        #expect(bytes.count == 24 + 3 * (16 + 100))
    }
}
