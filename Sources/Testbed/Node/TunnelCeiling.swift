import EventLoop
import Foundation
import SmartNIC

/// The most frames two processes can pass through a tunnel: a NIC port and its UDP socket on
/// each side, as in a node (the transmit ring flushed in batches, recvmmsg on receive), with no
/// stack above. What `nicbed bench` reports as the ceiling every figure of ours lives under.
public enum TunnelCeiling {
    public struct Result: Codable, Sendable {
        public var frames: Int
        public var bytes: Int
        public var seconds: Double
        public var cpuSeconds: Double
    }

    /// Sends frames of `frameBytes` to `peerPort` on 127.0.0.1 for `seconds`, one ring's worth
    /// per loop iteration.
    public static func send(localPort: UInt16, peerPort: UInt16, frameBytes: Int, seconds: Double) throws -> Result {
        let loop = try Loop()
        let (port, tunnel) = try makePort(loop: loop, localPort: localPort, peerPort: peerPort)
        defer { tunnel.close() }
        var frame = [UInt8](repeating: 0x5a, count: frameBytes)
        // Broadcast destination, our source, an experimental EtherType (IEEE 802 local).
        frame.replaceSubrange(0..<14, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5])
        let started = Date()
        let cpuBefore = ProcessCPU.seconds()
        let timer = LoopTimer(loop: loop)
        var sent = 0
        func burst() {
            guard Date().timeIntervalSince(started) < seconds else {
                loop.stop()
                return
            }
            for _ in 0..<TransmitRing.frameCapacity {
                frame.withUnsafeBytes { bytes in port.transmit(length: bytes.count) { $0.copyMemory(from: bytes) } }
            }
            port.flush()
            sent += TransmitRing.frameCapacity
            timer.start(after: 0, burst)
        }
        timer.start(after: 0, burst)
        loop.run()
        timer.close()
        let elapsed = Date().timeIntervalSince(started)
        return Result(frames: sent - port.counters.droppedOnSend, bytes: (sent - port.counters.droppedOnSend) * frameBytes,
                      seconds: elapsed, cpuSeconds: ProcessCPU.seconds() - cpuBefore)
    }

    /// Counts the frames arriving from `peerPort` until none has come for a second after the first.
    public static func receive(localPort: UInt16, peerPort: UInt16, onReady: () -> Void) throws -> Result {
        let loop = try Loop()
        let (port, tunnel) = try makePort(loop: loop, localPort: localPort, peerPort: peerPort)
        defer { tunnel.close() }
        var frames = 0, bytes = 0
        var first: Date?, last = Date()
        var cpuAtFirst = 0.0
        port.deliver = { packet in
            if first == nil {
                first = Date()
                cpuAtFirst = ProcessCPU.seconds()
            }
            frames += 1
            bytes += packet.frame.count
            last = Date()
        }
        let watch = LoopTimer(loop: loop)
        watch.start(after: 200, repeating: 200) {
            if first != nil, Date().timeIntervalSince(last) > 1 { loop.stop() }
        }
        onReady()
        loop.run()
        watch.close()
        let seconds = first.map { last.timeIntervalSince($0) } ?? 0
        return Result(frames: frames, bytes: bytes, seconds: seconds, cpuSeconds: ProcessCPU.seconds() - cpuAtFirst)
    }

    private static func makePort(loop: Loop, localPort: UInt16, peerPort: UInt16) throws -> (NICPort, TunnelPort) {
        let port = NICPort(name: "eth0", linkID: 1, peer: UnderlayAddress(ipv4: 0x7f00_0001, port: peerPort))
        let tunnel = try TunnelPort(port: port, loop: loop, bindHost: "127.0.0.1", localPort: localPort,
                                    peerHost: "127.0.0.1", peerPort: peerPort) {}
        return (port, tunnel)
    }
}

/// User and system CPU seconds of this process (getrusage).
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
