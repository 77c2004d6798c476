import Foundation
import NetStack
import SmartNIC
import Apps
import Simulation
import Testing
import Wire

/// Goodput of one bulk transfer per (congestion control, loss, RTT), measured in virtual time.
/// The simulation is deterministic, so the table is too: it is committed next to this file and
/// any change to loss recovery or congestion control shows up as a diff of it. After a change
/// made on purpose, `NICBED_UPDATE_TABLE=1 swift test --filter ThroughputTable` rewrites it.
@Suite("TCP throughput table")
struct ThroughputTable {
    static let tablePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("throughput-table.md").path
    static let transferBytes = 1_000_000
    static var losses: [Double] {
        ProcessInfo.processInfo.environment["NICBED_LOSS"].flatMap(Double.init).map { [$0] } ?? [0.0, 0.01, 0.05]
    }
    static var rtts: [Duration] {
        ProcessInfo.processInfo.environment["NICBED_RTT_MS"].flatMap(Int64.init).map { [.milliseconds($0)] }
            ?? [.milliseconds(2), .milliseconds(20), .milliseconds(100)]
    }

    struct Row {
        var algorithm: CongestionAlgorithm
        var loss: Double
        var rtt: Duration
        var goodputMbps: Double
        var retransmittedBytes: Int
        var timeouts: Int
        var fastRetransmits: Int
    }

    static func measure(_ algorithm: CongestionAlgorithm, loss: Double, rtt: Duration) -> Row? {
        var configuration = TCPConfiguration()
        configuration.congestionControl = algorithm
        configuration.sendBufferSize = 256 * 1024
        configuration.receiveBufferSize = 256 * 1024
        configuration.timeWaitDuration = .seconds(1)
        let net = SimulatedNetwork(seed: 7)
        let client = net.addHost("client", configuration: configuration)
        let server = net.addHost("server", configuration: configuration)
        // A 100 Mbit/s bottleneck with a queue of one bandwidth-delay product or 64 KiB.
        let oneWay = rtt / 2
        let queue = max(64 * 1024, Int(Double(rtt.nanosecondsValue) * 100e6 / 8e9))
        let forward = Impairments(delay: oneWay, loss: loss, rate: 100_000_000, queueLimit: queue)
        let backward = Impairments(delay: oneWay, loss: loss)
        net.link(client, IPv4Interface("10.0.0.1/24")!, server, IPv4Interface("10.0.0.2/24")!, aToB: forward, bToA: backward)
        if let directory = ProcessInfo.processInfo.environment["NICBED_PCAP_DIR"] { try? net.capture(to: directory) }
        defer { net.closeCaptures() }
        guard let listener = try? server.listen(port: 80),
              let connection = try? client.connect(to: IPv4Address(10, 0, 0, 2), port: 80) else { return nil }
        var receiver: BulkEndpoint?
        listener.onAcceptable = {
            if let accepted = listener.accept() { receiver = BulkEndpoint(connection: accepted, sendCount: 0, sendSeed: 0, receiveSeed: 3) }
        }
        let sender = BulkEndpoint(connection: connection, sendCount: transferBytes, sendSeed: 3, receiveSeed: 0)
        let start = net.now
        var finishedAt: Instant?
        net.run(until: start + .seconds(600)) {
            if finishedAt == nil, let receiver, receiver.received == transferBytes { finishedAt = net.now }
            return finishedAt != nil
        }
        if ProcessInfo.processInfo.environment["NICBED_VERBOSE"] != nil {
            print("\(algorithm) loss \(loss) rtt \(rtt): received \(receiver?.received ?? 0) at \(net.now.since(start)), state \(sender.connection.state), counters \(sender.connection.counters)")
        }
        guard let end = finishedAt, receiver?.mismatchAt == nil else { return nil }
        let seconds = end.since(start).milliseconds / 1000
        return Row(algorithm: algorithm, loss: loss, rtt: rtt, goodputMbps: Double(transferBytes) * 8 / seconds / 1e6,
                   retransmittedBytes: sender.connection.counters.bytesRetransmitted,
                   timeouts: sender.connection.counters.retransmissionTimeouts,
                   fastRetransmits: sender.connection.counters.fastRetransmits)
    }

    static func render(_ rows: [Row]) -> String {
        var lines = [
            "# TCP goodput in the simulation (virtual time)",
            "",
            "\(transferBytes) bytes one way over a 100 Mbit/s bottleneck, loss on both directions, SACK,",
            "timestamps and window scaling on, 256 KiB buffers, seed 7. Written by ThroughputTable.swift.",
            "",
            "| cc | loss | RTT | goodput Mbit/s | retransmitted bytes | RTOs | fast retransmits |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows {
            lines.append("| \(row.algorithm.rawValue) | \(String(format: "%.1f", row.loss * 100)) % | \(Int(row.rtt.milliseconds)) ms | \(String(format: "%.2f", row.goodputMbps)) | \(row.retransmittedBytes) | \(row.timeouts) | \(row.fastRetransmits) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func tableMatchesTheRecordedOne() throws {
        var rows: [Row] = []
        for algorithm in CongestionAlgorithm.allCases {
            for loss in Self.losses {
                for rtt in Self.rtts {
                    let row = try #require(Self.measure(algorithm, loss: loss, rtt: rtt), "\(algorithm) loss \(loss) rtt \(rtt) did not finish")
                    rows.append(row)
                }
            }
        }
        let table = Self.render(rows)
        if ProcessInfo.processInfo.environment["NICBED_UPDATE_TABLE"] != nil {
            try table.write(toFile: Self.tablePath, atomically: true, encoding: .utf8)
        }
        let recorded = (try? String(contentsOfFile: Self.tablePath, encoding: .utf8)) ?? "(no recorded table)"
        #expect(table == recorded, "throughput changed; if on purpose, rerun with NICBED_UPDATE_TABLE=1 and commit the table:\n\(table)")
        // Whatever the table says, a clean path must not be slower than a lossy one.
        for algorithm in CongestionAlgorithm.allCases {
            let clean = rows.first { $0.algorithm == algorithm && $0.loss == 0 && $0.rtt == .milliseconds(20) }!
            let lossy = rows.first { $0.algorithm == algorithm && $0.loss == 0.05 && $0.rtt == .milliseconds(20) }!
            #expect(clean.goodputMbps > lossy.goodputMbps)
            #expect(clean.retransmittedBytes == 0 && clean.timeouts == 0)
        }
    }
}
