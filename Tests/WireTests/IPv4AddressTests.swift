import Testing
import Wire

@Suite("IPv4 address")
struct IPv4AddressTests {
    @Test("dotted quads", arguments: [
        ("10.99.0.1", UInt32(0x0a63_0001)),
        ("0.0.0.0", 0),
        ("255.255.255.255", 0xffff_ffff),
        ("192.168.1.254", 0xc0a8_01fe),
        ("1.2.3.4", 0x0102_0304),
    ] as [(String, UInt32)])
    func valid(text: String, value: UInt32) throws {
        let address = try #require(IPv4Address(text))
        #expect(address.value == value)
        #expect(address.description == text)
        #expect(IPv4Address(value) == address)
    }

    @Test("everything else is refused", arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.2.3.1000", "+1.2.3.4", "1.+2.3.4", "-1.2.3.4",
        "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4.", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "a.b.c.d", "1.2.3.4/24",
        "1,2,3,4", "１.2.3.4", "١.2.3.4", "12345", "1.2.3.4\n", "...",
    ])
    func invalid(text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test("octets, constants and order")
    func octetsAndOrder() {
        #expect(IPv4Address(10, 99, 0, 2) == IPv4Address("10.99.0.2"))
        #expect(IPv4Address.any == IPv4Address(0, 0, 0, 0))
        #expect(IPv4Address.broadcast == IPv4Address(255, 255, 255, 255))
        #expect(IPv4Address(10, 99, 0, 1) < IPv4Address(10, 99, 0, 2))
        #expect(IPv4Address(9, 255, 255, 255) < IPv4Address(10, 0, 0, 0))
        #expect(IPv4Address(128, 0, 0, 0) > IPv4Address(127, 255, 255, 255))   // compared unsigned
        #expect([IPv4Address(10, 0, 0, 3), IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)].sorted()
                == [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)])
    }

    @Test("reads and writes four bytes in network order at an offset")
    func readWrite() {
        Captured.icmpEchoRequest.withUnsafeBytes { raw in
            #expect(IPv4Address(reading: raw, at: At.ipv4 + 12) == IPv4Address(10, 99, 0, 1))
            #expect(IPv4Address(reading: raw, at: At.ipv4 + 16) == IPv4Address(10, 99, 0, 2))
        }
        var out = [UInt8](repeating: 0xee, count: 7)
        out.withUnsafeMutableBytes { IPv4Address(192, 168, 1, 254).write(to: $0, at: 1) }
        #expect(out == [0xee, 192, 168, 1, 254, 0xee, 0xee])
    }

    @Test("random addresses survive description and parsing")
    func randomRoundTrips() {
        var rng = SplitMix64(seed: 0x6970_7634)
        for _ in 0..<1000 {
            let address = IPv4Address(UInt32(truncatingIfNeeded: rng.next()))
            #expect(IPv4Address(address.description) == address)
        }
    }
}

@Suite("IPv4 interface")
struct IPv4InterfaceTests {
    @Test("address with prefix length")
    func valid() throws {
        let interface = try #require(IPv4Interface("10.99.0.1/24"))
        #expect(interface.address == IPv4Address(10, 99, 0, 1))
        #expect(interface.prefixLength == 24)
        #expect(interface.netmask == 0xffff_ff00)
        #expect(interface.network == IPv4Address(10, 99, 0, 0))
        #expect(interface.directedBroadcast == IPv4Address(10, 99, 0, 255))
        #expect(interface.description == "10.99.0.1/24")
        #expect(interface == IPv4Interface(address: IPv4Address(10, 99, 0, 1), prefixLength: 24))
        #expect(interface.contains(IPv4Address(10, 99, 0, 2)))
        #expect(interface.contains(IPv4Address(10, 99, 0, 255)))
        #expect(!interface.contains(IPv4Address(10, 98, 0, 2)))
        #expect(!interface.contains(IPv4Address(10, 99, 1, 0)))
    }

    @Test("prefix lengths 0 and 32, and a netmask for every length")
    func extremes() throws {
        let everything = try #require(IPv4Interface("10.1.2.3/0"))
        #expect(everything.netmask == 0)
        #expect(everything.network == .any)
        #expect(everything.directedBroadcast == .broadcast)
        #expect(everything.contains(IPv4Address(255, 1, 2, 3)))
        let host = try #require(IPv4Interface("10.1.2.3/32"))
        #expect(host.netmask == 0xffff_ffff)
        #expect(host.network == IPv4Address(10, 1, 2, 3))
        // /32 and /31 have no broadcast address: every address is a host (RFC 3021).
        #expect(host.directedBroadcast == nil)
        #expect(try #require(IPv4Interface("10.0.0.1/31")).directedBroadcast == nil)
        #expect(try #require(IPv4Interface("10.0.0.1/30")).directedBroadcast == IPv4Address(10, 0, 0, 3))
        #expect(host.contains(IPv4Address(10, 1, 2, 3)))
        #expect(!host.contains(IPv4Address(10, 1, 2, 2)))
        for length in 0...32 {
            let interface = IPv4Interface(address: .broadcast, prefixLength: length)
            #expect(interface.netmask.nonzeroBitCount == length)
            #expect(interface.netmask.leadingZeroBitCount == (length == 0 ? 32 : 0))
            #expect(IPv4Interface(interface.description) == interface)
        }
        #expect(IPv4Interface("10.0.0.1/030")?.prefixLength == 30)
    }

    @Test("everything else is refused", arguments: [
        "1.2.3.4/33", "1.2.3.4/", "1.2.3.4", "/24", "1.2.3/24", "256.1.1.1/8", "1.2.3.4/24/1", "1.2.3.4/+24",
        "1.2.3.4/-1", "1.2.3.4/ 24", "1.2.3.4 /24", "1.2.3.4/2a", "1.2.3.4/99999999999999999999999", "1.2.3.4//24",
        "+1.2.3.4/24", "1.2.3.4/２4", "",
    ])
    func invalid(text: String) {
        #expect(IPv4Interface(text) == nil)
    }
}
