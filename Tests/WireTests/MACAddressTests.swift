import Testing
import Wire

@Suite("MAC address")
struct MACAddressTests {
    @Test("colon and dash forms, any letter case", arguments: [
        ("a2:3c:9a:d3:97:85", "a2:3c:9a:d3:97:85"),
        ("A2:3C:9A:D3:97:85", "a2:3c:9a:d3:97:85"),
        ("3e-fe-e2-79-6f-90", "3e:fe:e2:79:6f:90"),
        ("00:00:00:00:00:00", "00:00:00:00:00:00"),
        ("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"),
        ("02:00:0a:00:00:01", "02:00:0a:00:00:01"),
    ])
    func valid(text: String, description: String) throws {
        let address = try #require(MACAddress(text))
        #expect(address.description == description)
        #expect(MACAddress(address.description) == address)
    }

    @Test("everything else is refused", arguments: [
        "", "01:02:03:04:05", "01:02:03:04:05:06:07", "1:2:3:4:5:6", "001:02:03:04:05:06",
        "01:02:03:04:05:0g", "gg:gg:gg:gg:gg:gg", "01 02 03 04 05 06", "010203040506", "0102.0304.0506",
        "01:02:03:04:05:06:", ":01:02:03:04:05:06", "01::02:03:04:05:06", "01:02:03:04:05::06",
        "+1:02:03:04:05:06", "01:02:03:04:05:+6", "01:02:03:04:05:06 ", " 01:02:03:04:05:06",
        "01:02-03:04-05:06", "０１:02:03:04:05:06",
    ])
    func invalid(text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test("octets keep their order")
    func octets() {
        let address = MACAddress(0x3e, 0xfe, 0xe2, 0x79, 0x6f, 0x90)
        #expect(address.octets.0 == 0x3e && address.octets.1 == 0xfe && address.octets.2 == 0xe2)
        #expect(address.octets.3 == 0x79 && address.octets.4 == 0x6f && address.octets.5 == 0x90)
        #expect(MACAddress("3e:fe:e2:79:6f:90") == address)
    }

    @Test("broadcast, multicast and zero")
    func kinds() {
        #expect(MACAddress.broadcast.isBroadcast)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(MACAddress.broadcast == MACAddress("ff:ff:ff:ff:ff:ff"))
        #expect(MACAddress.zero == MACAddress("00:00:00:00:00:00"))
        #expect(!MACAddress.zero.isBroadcast && !MACAddress.zero.isMulticast)
        // IPv4 multicast maps to 01:00:5e:...; the group bit is the LSB of the first octet.
        #expect(MACAddress("01:00:5e:00:00:fb")!.isMulticast)
        #expect(MACAddress("33:33:00:00:00:01")!.isMulticast)
        #expect(!MACAddress("a2:3c:9a:d3:97:85")!.isMulticast)
        // Locally administered (0x02 bit) is not multicast.
        #expect(!MACAddress("02:00:00:00:00:01")!.isMulticast)
        #expect(!MACAddress("ff:ff:ff:ff:ff:fe")!.isBroadcast)
    }

    @Test("reads and writes six bytes at an offset, nothing more")
    func readWrite() {
        let frame = Captured.arpReply
        frame.withUnsafeBytes { raw in
            #expect(MACAddress(reading: raw, at: 0) == MACAddress("a2:3c:9a:d3:97:85"))
            #expect(MACAddress(reading: raw, at: 6) == MACAddress("3e:fe:e2:79:6f:90"))
            #expect(MACAddress(reading: raw, at: 32) == MACAddress("a2:3c:9a:d3:97:85"))   // ARP target hardware
        }
        var out = [UInt8](repeating: 0xee, count: 9)
        out.withUnsafeMutableBytes { MACAddress("01:02:03:04:05:06")!.write(to: $0, at: 2) }
        #expect(out == [0xee, 0xee, 1, 2, 3, 4, 5, 6, 0xee])
    }

    @Test("equal addresses hash alike; different ones differ in any octet")
    func hashing() {
        var set: Set<MACAddress> = [MACAddress("a2:3c:9a:d3:97:85")!, MACAddress("A2-3C-9A-D3-97-85")!]
        #expect(set.count == 1)
        for position in 0..<6 {
            var octets: [UInt8] = [0xa2, 0x3c, 0x9a, 0xd3, 0x97, 0x85]
            octets[position] ^= 0x01
            let other = MACAddress(octets[0], octets[1], octets[2], octets[3], octets[4], octets[5])
            #expect(other != MACAddress("a2:3c:9a:d3:97:85"))
            set.insert(other)
        }
        #expect(set.count == 7)
    }

    @Test("random addresses survive description and parsing")
    func randomRoundTrips() {
        var rng = SplitMix64(seed: 0x6d6163)
        for _ in 0..<1000 {
            var b = [UInt8](repeating: 0, count: 6)
            for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
            let address = MACAddress(b[0], b[1], b[2], b[3], b[4], b[5])
            #expect(address.description.count == 17)
            #expect(MACAddress(address.description) == address)
            #expect(MACAddress(address.description.uppercased().replacing(":", with: "-")) == address)
        }
    }
}
