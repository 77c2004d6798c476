import Apps
import Foundation
import NetStack
import SmartNIC
import Testbed
import Wire

/// Real inputs for each target's seed corpus (`nicbed-fuzz seeds`): the datagrams a host
/// receives while a peer pings it (whole and fragmented), opens a TCP connection, sends data
/// and closes, and talks to its UDP echo service; the options of those segments; the request
/// and response heads that curl, fetch and the file server write; real Range and Content-Range
/// fields; control requests as `nicbed` sends them. Topology and scenario seeds are the
/// repository's own files (`scripts/fuzz` copies them).
public enum SeedInputs {
    public static func generate() -> [FuzzTarget: [[UInt8]]] {
        let datagrams = exchange()
        var seeds: [FuzzTarget: [[UInt8]]] = [:]
        seeds[.frame] = datagrams
        seeds[.stack] = datagrams
        seeds[.tcpOptions] = tcpOptions(in: datagrams)
        seeds[.httpHead] = httpHeads().map { [UInt8(truncatingIfNeeded: $0.count / 2)] + Array($0.utf8) }
        seeds[.byteRange] = byteRanges()
        seeds[.controlLine] = controlLines()
        return seeds
    }

    /// What h1 receives from h2, as tunnel datagrams (VXLAN header and frame).
    static func exchange() -> [[UInt8]] {
        let world = StackTarget.World()
        var received: [[UInt8]] = []
        world.net.onTransmit = { port, frame in
            guard port === world.link.portB else { return }
            var datagram = [UInt8](repeating: 0, count: VXLANHeaderView.length)
            datagram.withUnsafeMutableBytes { VXLANRepr(vni: world.link.id).emit(into: $0) }
            received.append(datagram + frame)
        }
        let h1 = IPv4Address(10, 0, 0, 1)
        let ping = world.h2.openEchoSocket(to: h1)
        _ = ping.send(sequence: 1, data: Array(repeating: 0x61, count: 56))
        _ = ping.send(sequence: 2, data: Array(repeating: 0x62, count: 3000))   // two fragments
        world.net.run(for: .milliseconds(50))
        if let udp = try? world.h2.bindUDP() {
            try? udp.send(Array("hello, echo".utf8), to: h1, port: UDPEchoService.port)
            try? udp.send(Array(repeating: 0x75, count: 2000), to: h1, port: UDPEchoService.port)
            try? udp.send(Array("nobody here".utf8), to: h1, port: 9)   // port unreachable
        }
        world.net.run(for: .milliseconds(50))
        if let connection = try? world.h2.connect(to: h1, port: 80) {
            connection.onEvent = { event in
                if event == .connected {
                    _ = connection.send(Array("GET /file HTTP/1.1\r\nHost: h1\r\n\r\n".utf8))
                    _ = connection.send([UInt8](repeating: 0x64, count: 4000))
                    connection.close()
                }
            }
        }
        _ = try? world.h2.connect(to: h1, port: 81)   // refused
        world.net.run(for: .seconds(1))
        return received
    }

    static func tcpOptions(in datagrams: [[UInt8]]) -> [[UInt8]] {
        var options: [[UInt8]] = []
        for datagram in datagrams {
            datagram.withUnsafeBytes { bytes in
                guard let vxlan = try? VXLANHeaderView(checking: bytes),
                      let ethernet = try? EthernetFrameView(checking: vxlan.frame), ethernet.etherType == EtherType.ipv4,
                      let ip = try? IPv4PacketView(checking: ethernet.payload), ip.protocolNumber == IPProtocol.tcp,
                      let tcp = try? TCPSegmentView(checking: ip.payload), !tcp.optionBytes.isEmpty
                else { return }
                options.append(Array(tcp.optionBytes))
            }
        }
        return options
    }

    static func httpHeads() -> [String] {
        [
            "GET /file.bin HTTP/1.1\r\nHost: 10.0.1.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
            "GET /file.bin HTTP/1.1\r\nHost: 10.0.1.1\r\nRange: bytes=1048576-\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
            "PUT /up.bin HTTP/1.1\r\nHost: 10.0.1.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n",
            "HEAD / HTTP/1.0\r\n\r\n",
            "GET /a%20b HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\nbody",
            HTTPResponseHead(status: 200, fields: HTTPFields(), contentLength: 1_048_576, persistent: false).serializedText,
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 100-199/1000\r\nContent-Length: 100\r\n\r\n",
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */1000\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\nstored\n",
        ]
    }

    static func byteRanges() -> [[UInt8]] {
        let fields: [(Int64, String)] = [
            (1000, "bytes=0-499"), (1000, "bytes=500-"), (1000, "bytes=-200"), (1000, "bytes=0-0,-1"),
            (0, "bytes=-5"), (1000, "bytes=2000-"), (1000, "items=0-5"), (1000, "bytes 100-199/1000"),
            (1000, "bytes */1000"), (1 << 40, "bytes=9223372036854775806-"), (1000, "bytes 0-999/*"),
        ]
        return fields.map { length, field in
            (0..<8).map { UInt8(truncatingIfNeeded: UInt64(length) >> (56 - 8 * $0)) } + Array(field.utf8)
        }
    }

    static func controlLines() -> [[UInt8]] {
        let requests = [ControlRequest(command: .status), ControlRequest(command: .shutdown),
                        ControlRequest(command: .exec, arguments: ["ping", "-c", "3", "10.0.0.2"]),
                        ControlRequest(command: .exec, arguments: ["stats", "--json"])]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var lines = requests.compactMap { try? encoder.encode($0) }.map { Array($0) + [0x0a] }
        lines.append(Array("{\"command\":\"exec\",\"arguments\":[\"cp\"]}\n{\"command\":\"status\"}\n".utf8))
        return lines
    }
}

extension HTTPResponseHead {
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
