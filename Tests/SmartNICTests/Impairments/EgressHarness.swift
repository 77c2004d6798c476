@testable import SmartNIC
import Wire

/// A NIC port on a virtual clock whose `send` records every datagram with the time it left, and
/// a driver that plays the node's part: it transmits frames at given times and calls
/// `releaseDue(now:)` exactly when `nextDeadline` comes.
final class EgressHarness {
    struct Sent {
        var at: Instant
        var bytes: [UInt8]
        /// The sequence number the test wrote into the frame (bytes 14..<18 of the frame).
        var sequence: Int { Int(bytes[8 + 14]) << 24 | Int(bytes[8 + 15]) << 16 | Int(bytes[8 + 16]) << 8 | Int(bytes[8 + 17]) }
        var frame: ArraySlice<UInt8> { bytes[8...] }
    }

    static let peer = UnderlayAddress(ipv4: 0x7f00_0001, port: 47101)
    let port: NICPort
    var now = Instant.zero
    var sent: [Sent] = []
    /// When each frame was transmitted, by sequence number.
    var transmittedAt: [Instant] = []

    init(egress: Impairments, seed: UInt64 = 42, delayLineSlots: Int = NICPort.defaultDelayLineSlots) {
        port = NICPort(name: "h1:eth0", linkID: 1, peer: Self.peer)
        port.impairmentSeed = seed
        port.delayLineSlots = delayLineSlots
        port.clock = { [unowned self] in self.now }
        port.send = { [unowned self] datagram in
            self.sent.append(Sent(at: self.now, bytes: datagram.joinedBytes))
            return true
        }
        port.egress = egress
    }

    /// A frame of `length` bytes carrying `sequence`: Ethernet header (IPv4 type), then the
    /// sequence number, then a pattern.
    static func frame(_ sequence: Int, length: Int = 64) -> [UInt8] {
        var bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        bytes[12] = 0x08; bytes[13] = 0x00
        bytes[14] = UInt8(truncatingIfNeeded: sequence >> 24); bytes[15] = UInt8(truncatingIfNeeded: sequence >> 16)
        bytes[16] = UInt8(truncatingIfNeeded: sequence >> 8); bytes[17] = UInt8(truncatingIfNeeded: sequence)
        return bytes
    }

    /// Transmits `count` frames, one every `interval` from `start`, releasing delayed frames at
    /// their times in between and after, until the delay line is empty.
    func offer(_ count: Int, every interval: Duration, from start: Instant? = nil, length: Int = 64) {
        var nextTransmit = start ?? now
        var index = 0
        while index < count || port.nextDeadline != nil {
            if let deadline = port.nextDeadline, index >= count || deadline <= nextTransmit {
                now = max(now, deadline)
                port.releaseDue(now: now)
            } else {
                now = nextTransmit
                transmit(length: length)
                index += 1
                nextTransmit = nextTransmit + interval
            }
        }
    }

    /// Transmits one frame now, numbered after the ones before it.
    func transmit(length: Int = 64) {
        let sequence = transmittedAt.count
        transmittedAt.append(now)
        port.transmit(frame: Self.frame(sequence, length: length))
    }

    /// Releases delayed frames until none is left.
    func drain() {
        while let deadline = port.nextDeadline {
            now = max(now, deadline)
            port.releaseDue(now: now)
        }
    }

    /// Time from each copy's transmit to its send.
    var addedDelays: [Duration] { sent.map { $0.at.since(transmittedAt[$0.sequence]) } }
}

extension Duration {
    var seconds: Double { Double(nanosecondsValue) / 1e9 }
}
