// Frames captured from the Linux kernel's own stack, used as known vectors by every test file.
//
// How they were captured (2026-11-25, Debian 12, kernel 6.18, iproute2 6.1, tcpdump 4.99.3):
//   ip netns add wtA; ip netns add wtB
//   ip link add va netns wtA type veth peer name vb netns wtB
//   ip -n wtA addr add 10.99.0.1/24 dev va; ip -n wtB addr add 10.99.0.2/24 dev vb   (both up, IPv6 off)
//   ip netns exec wtA ethtool -K va tx off; ip netns exec wtB ethtool -K vb tx off
//     (veth passes CHECKSUM_PARTIAL packets through untouched: without this the captured TCP
//      and UDP checksums hold only the pseudo-header sum, not a valid checksum)
//   ip -n wtA link add vx0 type vxlan id 42 remote 10.99.0.2 dstport 4789 dev va  (10.98.0.1/24)
//   ip -n wtB link add vx0 type vxlan id 42 remote 10.99.0.1 dstport 4789 dev vb  (10.98.0.2/24)
//   ip netns add wtC; veth vc0 (wtB, 10.97.0.1/24) <-> vc1 (wtC, 10.97.0.2/24); wtB ip_forward=1;
//     ip -n wtA route add 10.97.0.0/24 via 10.99.0.2
//   ip netns exec wtA tcpdump -i va -U -w capture.pcap
// then, from wtA: ping -c 1 10.99.0.2; a python3 UDP socket bound to 10.99.0.1:40000 sending to
// 10.99.0.2:9999 (listening) and 10.99.0.2:9 (closed); curl http://10.99.0.2:8000/hi.txt against
// `python3 -m http.server 8000` in wtB; a hand-driven AF_PACKET TCP client (see tcpSACK); ping -c 1
// 10.98.0.2 over the VXLAN overlay; ping -c 1 -t 1 10.97.0.2 through the router. 33 frames were
// captured; the ones below were copied byte for byte from the pcap records (Ethernet, no FCS).
// tshark 4.0.17 (-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE) reported every IPv4,
// ICMP, UDP and TCP checksum it checks in them as good (the tests below verify them all again,
// quoted packets included). The namespaces were deleted afterwards.
// In tcpSACK's capture the peer was not the kernel: the hand-driven client's own segments are
// therefore not used as vectors, only the Linux listener's answer.
//
// Addresses in the capture: va (wtA) a2:3c:9a:d3:97:85 = 10.99.0.1, vb (wtB) 3e:fe:e2:79:6f:90 =
// 10.99.0.2; overlay vx0 (wtA) 16:f9:71:7a:20:4e = 10.98.0.1, vx0 (wtB) 62:66:bb:4a:5b:97 = 10.98.0.2.

import Testing
import Wire

enum Captured {
    /// Frame 1, 42 bytes. ARP request from wtA: who has 10.99.0.2? tell 10.99.0.1 (`ping -c 1
    /// 10.99.0.2`, empty neighbour cache). veth does not pad to 60 bytes.
    static let arpRequest = bytes("""
        ffffffffffffa23c9ad3978508060001080006040001a23c9ad397850a630001
        0000000000000a630002
        """)

    /// Frame 2, 42 bytes. ARP reply from wtB: 10.99.0.2 is at 3e:fe:e2:79:6f:90.
    static let arpReply = bytes("""
        a23c9ad397853efee2796f90080600010800060400023efee2796f900a630002
        a23c9ad397850a630001
        """)

    /// Frame 3, 98 bytes. ICMP echo request 10.99.0.1 -> 10.99.0.2, id 0x1524, seq 1, 56 data bytes
    /// (`ping -c 1 10.99.0.2`).
    static let icmpEchoRequest = bytes("""
        3efee2796f90a23c9ad39785080045000054bee54000400166fb0a6300010a63
        00020800108915240001d5de066b000000002b350c0000000000101112131415
        161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435
        3637
        """)

    /// Frame 4, 98 bytes. ICMP echo reply 10.99.0.2 -> 10.99.0.1 (the answer to icmpEchoRequest).
    static let icmpEchoReply = bytes("""
        a23c9ad397853efee2796f900800450000541a79000040014b680a6300020a63
        00010000188915240001d5de066b000000002b350c0000000000101112131415
        161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435
        3637
        """)

    /// Frame 5, 55 bytes. UDP 10.99.0.1:40000 -> 10.99.0.2:9999, payload "hello nicbed\n" (python3
    /// socket.sendto from wtA).
    static let udpDatagram = bytes("""
        3efee2796f90a23c9ad39785080045000029509c40004011d55f0a6300010a63
        00029c40270f0015a28968656c6c6f206e69636265640a
        """)

    /// Frame 6, 55 bytes. UDP 10.99.0.1:40000 -> 10.99.0.2:9 (nothing listens), payload "anyone on
    /// 9?\n".
    static let udpToClosedPort = bytes("""
        3efee2796f90a23c9ad39785080045000029509d40004011d55e0a6300010a63
        00029c400009001533a0616e796f6e65206f6e20393f0a
        """)

    /// Frame 7, 83 bytes. ICMP destination unreachable, code 3 (port), from 10.99.0.2: the answer to
    /// udpToClosedPort.
    static let icmpPortUnreachable = bytes("""
        a23c9ad397853efee2796f90080045c000451a7e000040014ab20a6300020a63
        0001030311ec0000000045000029509d40004011d55e0a6300010a6300029c40
        0009001533a0616e796f6e65206f6e20393f0a
        """)

    /// Frame 8, 74 bytes. TCP SYN 10.99.0.1:51010 -> 10.99.0.2:8000 by the Linux stack (`curl
    /// http://10.99.0.2:8000/hi.txt`, server `python3 -m http.server`). Options as Linux orders them:
    /// MSS, SACK-permitted, timestamps, NOP, window scale.
    static let tcpSYN = bytes("""
        3efee2796f90a23c9ad3978508004500003c56e540004006cf0e0a6300010a63
        0002c7421f4052d6229a00000000a002faf09e0f0000020405b40402080a43d3
        fa6d000000000103030a
        """)

    /// Frame 9, 74 bytes. TCP SYN-ACK 10.99.0.2:8000 -> 10.99.0.1:51010 from the Linux listener.
    static let tcpSYNACK = bytes("""
        a23c9ad397853efee2796f9008004500003c00004000400625f40a6300020a63
        00011f40c742a3bbb62c52d6229ba012fe88d7740000020405b40402080ab3bb
        b54d43d3fa6d0103030a
        """)

    /// Frame 10, 66 bytes. TCP ACK completing the handshake, timestamps only (NOP, NOP, TS).
    static let tcpACK = bytes("""
        3efee2796f90a23c9ad3978508004500003456e640004006cf150a6300010a63
        0002c7421f4052d6229ba3bbb62d8010003f048e00000101080a43d3fa6db3bb
        b54d
        """)

    /// Frame 11, 150 bytes. TCP data segment carrying curl's `GET /hi.txt` request (PSH|ACK, 84 payload
    /// bytes).
    static let tcpRequest = bytes("""
        3efee2796f90a23c9ad3978508004500008856e740004006cec00a6300010a63
        0002c7421f4052d6229ba3bbb62d8018003f34b700000101080a43d3fa6eb3bb
        b54d474554202f68692e74787420485454502f312e310d0a486f73743a203130
        2e39392e302e323a383030300d0a557365722d4167656e743a206375726c2f37
        2e38382e310d0a4163636570743a202a2f2a0d0a0d0a
        """)

    /// Frame 15, 84 bytes. TCP data segment 10.99.0.2:8000 -> 10.99.0.1:51010 carrying the body "hello
    /// from nicbed\n" (PSH|ACK).
    static let tcpResponseBody = bytes("""
        a23c9ad397853efee2796f90080045000046297140004006fc780a6300020a63
        00011f40c742a3bbb6e752d622ef80180040993f00000101080ab3bbb55643d3
        fa7668656c6c6f2066726f6d206e69636265640a
        """)

    /// Frame 17, 66 bytes. TCP FIN|ACK from curl's side, 10.99.0.1:51010 -> 10.99.0.2:8000.
    static let tcpFIN = bytes("""
        3efee2796f90a23c9ad3978508004500003456ea40004006cf110a6300010a63
        0002c7421f4052d622efa3bbb6f98011003f035b00000101080a43d3fa76b3bb
        b556
        """)

    /// Frame 24, 78 bytes. TCP duplicate ACK with a SACK block, sent by the Linux listener
    /// 10.99.0.2:8001 to 10.99.0.3:45678. The peer was a hand-driven python3 AF_PACKET client on va
    /// using 10.99.0.3 (not an address of wtA's kernel) that completed the handshake and then sent
    /// stream bytes 101...200 before 1...100; the out-of-order segment made Linux answer ACK 1000001
    /// with SACK [1000101, 1000201). Options: NOP, NOP, TS, NOP, NOP, SACK.
    static let tcpSACK = bytes("""
        a23c9ad397853efee2796f90080045000040d53f4000400650ae0a6300020a63
        00031f41b26e3aa9fe78000f4241b010004056e700000101080a4c0785840000
        303a0101050a000f42a5000f4309
        """)

    /// Frame 28, 92 bytes. VXLAN (VNI 42) datagram 10.99.0.1:42830 -> 10.99.0.2:4789 from the Linux
    /// `vxlan` device vx0 (`ping -c 1 10.98.0.2` across the overlay): the inner frame is an ARP request
    /// for 10.98.0.2. The outer UDP checksum is present (not zero).
    static let vxlanARPRequest = bytes("""
        3efee2796f90a23c9ad3978508004500004e510e0000401114c90a6300010a63
        0002a74e12b5003a82570800000000002a00ffffffffffff16f9717a204e0806
        000108000604000116f9717a204e0a6200010000000000000a620002
        """)

    /// Frame 30, 148 bytes. VXLAN (VNI 42) datagram 10.99.0.1:46865 -> 10.99.0.2:4789: the inner frame
    /// is the ICMP echo request 10.98.0.1 -> 10.98.0.2, id 0x157c, seq 1.
    static let vxlanEchoRequest = bytes("""
        3efee2796f90a23c9ad39785080045000086510f0000401114900a6300010a63
        0002b71112b50072c4700800000000002a006266bb4a5b9716f9717a204e0800
        45000054bda540004001683d0a6200010a6200020800b54d157c0001d7de066b
        000000008a18060000000000101112131415161718191a1b1c1d1e1f20212223
        2425262728292a2b2c2d2e2f3031323334353637
        """)

    /// Frame 33, 126 bytes. ICMP time exceeded in transit (type 11, code 0) from the router namespace
    /// 10.99.0.2, answering `ping -c 1 -t 1 10.97.0.2` sent from wtA through wtB (ip_forward=1) towards
    /// wtC; the whole 84-byte invoking packet (TTL 1) is quoted.
    static let icmpTimeExceeded = bytes("""
        a23c9ad397853efee2796f90080045c000701ade000040014a270a6300020a63
        00010b00f4ff000000004500005461ca4000010103190a6300010a6100020800
        4499157e0001d7de066b00000000f6ca0a000000000010111213141516171819
        1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637
        """)
}

// MARK: - Helpers shared by the Wire tests

/// Bytes from hex text; whitespace is ignored. The vectors are constants, so bad text is a bug
/// in the test file and stops the run.
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { index in
        guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
            preconditionFailure("not hex: \(hex)")
        }
        return byte
    }
}

/// Lower-case hex, for readable failure messages.
func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Where the layers start in the captured frames (none of them carries IPv4 options).
enum At {
    static let ipv4 = 14
    static let transport = 34
    /// Ethernet + IPv4 + UDP + VXLAN: the inner frame of a VXLAN datagram.
    static let innerFrame = 50
}

/// Runs `parse` over `bytes` and returns the error it threw, or nil when it succeeded.
func parseError<T>(_ bytes: [UInt8], _ parse: (UnsafeRawBufferPointer) throws(WireError) -> T) -> WireError? {
    bytes.withUnsafeBytes { raw in
        do throws(WireError) {
            _ = try parse(raw)
            return nil
        } catch {
            return error
        }
    }
}

/// Every strict prefix of `bytes` shorter than `needed` is reported as truncated, with the
/// byte counts in the error.
func expectEveryShortPrefixTruncated<T>(
    _ bytes: [UInt8], layer: String, needed: Int,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ parse: (UnsafeRawBufferPointer) throws(WireError) -> T
) {
    for length in 0..<needed {
        let error = parseError(Array(bytes.prefix(length)), parse)
        #expect(error == .truncated(layer: layer, needed: needed, available: length),
                "prefix of \(length) bytes", sourceLocation: sourceLocation)
    }
}

/// Recomputes the IPv4 header checksum of a packet that starts at `offset` (after a test
/// changed a field on purpose and wants only that field to be wrong).
func fixIPv4HeaderChecksum(_ bytes: inout [UInt8], at offset: Int = 0) {
    let headerLength = Int(bytes[offset] & 0x0f) * 4
    bytes[offset + 10] = 0
    bytes[offset + 11] = 0
    let sum = bytes[offset..<(offset + headerLength)].withUnsafeBytes { InternetChecksum.of($0) }
    bytes[offset + 10] = UInt8(sum >> 8)
    bytes[offset + 11] = UInt8(sum & 0xff)
}

/// Recomputes the checksum of an ICMP message that fills `bytes`.
func fixICMPChecksum(_ bytes: inout [UInt8]) {
    bytes[2] = 0
    bytes[3] = 0
    let sum = bytes.withUnsafeBytes { InternetChecksum.of($0) }
    bytes[2] = UInt8(sum >> 8)
    bytes[3] = UInt8(sum & 0xff)
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so the random-input tests
/// see the same inputs on every run and a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
