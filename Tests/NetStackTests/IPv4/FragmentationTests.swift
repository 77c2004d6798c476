@testable import NetStack
import Testing
import Wire

@Suite("IPv4 fragmentation")
struct FragmentationTests {
    @Test("pieces are multiples of 8 and fit the MTU with their header")
    func plan() {
        // A 4,008-byte ICMP echo (ping -s 4000) over MTU 1500: 1480 + 1480 + 1048.
        let pieces = Fragmentation.plan(payloadLength: 4008, firstHeaderLength: 20, laterHeaderLength: 20, mtu: 1500)
        #expect(pieces == [.init(offset: 0, length: 1480), .init(offset: 1480, length: 1480), .init(offset: 2960, length: 1048)])
        // A first header with 12 bytes of options, later ones with 4 copied: the room differs.
        let withOptions = Fragmentation.plan(payloadLength: 3000, firstHeaderLength: 32, laterHeaderLength: 24, mtu: 1280)
        #expect(withOptions.map(\.length) == [1248, 1256, 496])
        #expect(withOptions.dropLast().allSatisfy { $0.length % 8 == 0 })
        // An MTU that is not 8 + header rounds down: 1281 − 20 = 1261 → 1256.
        #expect(Fragmentation.plan(payloadLength: 2000, firstHeaderLength: 20, laterHeaderLength: 20, mtu: 1281).first?.length == 1256)
    }

    @Test("only options with the copied flag go into later fragments, padded to 4 bytes")
    func copiedOptions() {
        // IHL 8: a record-route option (7, not copied), a NOP, a security option (130, copied).
        var header = [UInt8](repeating: 0, count: 32)
        header[0] = 0x48
        header.replaceSubrange(20..<27, with: [7, 7, 4, 0, 0, 0, 0])
        header[27] = 1
        header.replaceSubrange(28..<32, with: [130, 4, 0xab, 0xcd])
        let copied = header.withUnsafeBytes { Fragmentation.copiedOptions(of: $0) }
        #expect(copied == [130, 4, 0xab, 0xcd])
        var odd = [UInt8](repeating: 0, count: 24)
        odd[0] = 0x46
        odd.replaceSubrange(20..<23, with: [131, 3, 9])
        #expect(odd.withUnsafeBytes { Fragmentation.copiedOptions(of: $0) } == [131, 3, 9, 0])
    }

    @Test("a fragment's header: MF, offset in 8-byte units, DF clear, its TTL, a valid checksum")
    func header() throws {
        let template = IPv4Repr(source: IPv4Address(10, 0, 1, 1), destination: IPv4Address(10, 0, 2, 1), protocolNumber: IPProtocol.udp,
                                payloadLength: 3000, timeToLive: 64, identification: 7, dontFragment: false)
        var original = [UInt8](repeating: 0, count: 20)
        original.withUnsafeMutableBytes { template.emit(into: $0) }
        var out = [UInt8](repeating: 0, count: 20)
        let length = out.withUnsafeMutableBytes { out in
            original.withUnsafeBytes { Fragmentation.writeHeader(into: out, template: $0, options: UnsafeRawBufferPointer(start: nil, count: 0),
                                                                 payloadLength: 1480, offset: 1480, moreFragments: true, timeToLive: 63) }
        }
        #expect(length == 20)
        let repr = try out.withUnsafeBytes { raw in try IPv4Repr.parse(try IPv4PacketView(checkingHeader: raw, packetLength: 1500)) }
        #expect(repr.fragmentOffset == 1480 && repr.moreFragments && !repr.dontFragment)
        #expect(repr.timeToLive == 63 && repr.identification == 7 && repr.payloadLength == 1480)
    }
}
