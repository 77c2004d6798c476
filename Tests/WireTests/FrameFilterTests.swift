import Testing
import Wire

/// The capture filter on frames the Linux kernel sent (CapturedFrames.swift): each primitive,
/// the operators and their precedence, and errors that name the word at fault.
@Suite("capture filter")
struct FrameFilterTests {
    static func matches(_ filter: String, _ frame: [UInt8]) throws -> Bool {
        let compiled = try FrameFilter.parse(filter)
        return frame.withUnsafeBytes { compiled.matches($0) }
    }

    @Test func protocolsPickTheirFrames() throws {
        #expect(try Self.matches("arp", Captured.arpRequest))
        #expect(try !Self.matches("ip", Captured.arpRequest))
        #expect(try Self.matches("icmp", Captured.icmpEchoRequest))
        #expect(try !Self.matches("tcp", Captured.icmpEchoRequest))
        #expect(try Self.matches("tcp", Captured.tcpSYN))
        #expect(try Self.matches("ip", Captured.tcpSYN))
        #expect(try Self.matches("udp", Captured.udpDatagram))
        #expect(try !Self.matches("udp", Captured.tcpSYN))
    }

    @Test func hostNetAndPortLookAtTheRightFields() throws {
        // udpDatagram: 10.99.0.1:40000 → 10.99.0.2:9999.
        #expect(try Self.matches("host 10.99.0.2", Captured.udpDatagram))
        #expect(try Self.matches("src host 10.99.0.1", Captured.udpDatagram))
        #expect(try !Self.matches("dst host 10.99.0.1", Captured.udpDatagram))
        #expect(try !Self.matches("host 10.0.1.1", Captured.udpDatagram))
        #expect(try Self.matches("net 10.99.0.0/24", Captured.udpDatagram))
        #expect(try Self.matches("net 10.99.0.77/24", Captured.udpDatagram), "the host bits of a net are ignored")
        #expect(try !Self.matches("net 10.98.0.0/24", Captured.udpDatagram))
        #expect(try Self.matches("port 9999", Captured.udpDatagram))
        #expect(try Self.matches("src port 40000", Captured.udpDatagram))
        #expect(try !Self.matches("dst port 40000", Captured.udpDatagram))
        #expect(try !Self.matches("port 9999", Captured.icmpEchoRequest), "ICMP has no ports")
        // ARP: host matches its sender and target addresses, as tcpdump's does.
        #expect(try Self.matches("host 10.99.0.2", Captured.arpRequest))
        #expect(try Self.matches("arp and src host 10.99.0.1", Captured.arpRequest))
    }

    @Test func operatorsAndPrecedence() throws {
        #expect(try Self.matches("tcp or udp", Captured.udpDatagram))
        #expect(try !Self.matches("tcp and udp", Captured.udpDatagram))
        #expect(try Self.matches("not tcp", Captured.udpDatagram))
        #expect(try Self.matches("!tcp", Captured.udpDatagram))
        #expect(try Self.matches("udp && port 9999 || tcp", Captured.udpDatagram))
        // and binds tighter than or: "icmp or udp and port 1" is icmp or (udp and port 1).
        #expect(try Self.matches("icmp or udp and port 1", Captured.icmpEchoRequest))
        #expect(try !Self.matches("(icmp or udp) and port 1", Captured.icmpEchoRequest))
        #expect(try Self.matches("not (tcp or arp)", Captured.icmpEchoRequest))
    }

    @Test func aFrameCutShortMatchesWhatItStillHolds() throws {
        let cut = Array(Captured.udpDatagram.prefix(14 + 20))
        #expect(try Self.matches("udp and host 10.99.0.2", cut))
        #expect(try !Self.matches("port 9999", cut), "the ports were cut off")
        #expect(try !Self.matches("ip", Array(Captured.udpDatagram.prefix(10))))
    }

    @Test(arguments: [
        ("", "empty"), ("tcp andd udp", "'andd'"), ("host", "needs a value"), ("host 10.0.1", "not an IPv4 address"),
        ("port 70000", "not a port"), ("net 10.0.0.0", "A.B.C.D/N"), ("(tcp", "not closed"), ("src tcp", "cannot follow"),
        ("tcp and", "ends where"), ("http", "unknown word 'http'"),
    ])
    func badFiltersSayWhatIsWrong(filter: String, expected: String) {
        do {
            _ = try FrameFilter.parse(filter)
            Issue.record("'\(filter)' was accepted")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.hasPrefix("filter '\(filter)'"))
        }
    }
}
