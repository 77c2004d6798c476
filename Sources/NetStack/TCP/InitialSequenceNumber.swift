import SmartNIC
import Wire

/// Initial sequence numbers per RFC 6528: ISN = M + F(4-tuple, secret), M a timer ticking every
/// 4 µs, F a keyed hash. Off-path attackers cannot guess them; one 4-tuple's numbers keep
/// increasing, which TIME-WAIT re-use relies on. F is SipHash-2-4 (the keyed PRF Linux uses too).
struct InitialSequenceNumbers {
    let hash: SipHash24

    init(seed: UInt64) {
        var mixer = SeededRandom(seed: seed)
        hash = SipHash24(key0: mixer.next(), key1: mixer.next())
    }

    func next(local: IPv4Address, localPort: UInt16, remote: IPv4Address, remotePort: UInt16, now: Instant) -> SequenceNumber {
        let message0 = UInt64(local.value) << 32 | UInt64(remote.value)
        let message1 = UInt64(localPort) << 16 | UInt64(remotePort)
        let ticks = UInt32(truncatingIfNeeded: now.nanoseconds / 4_000)
        return SequenceNumber(ticks &+ UInt32(truncatingIfNeeded: hash(message0, message1)))
    }
}

/// SipHash-2-4 of a 16-byte message under a 128-bit key: the keyed PRF behind ISNs (RFC 6528)
/// and SYN cookies, as in Linux.
struct SipHash24 {
    let key0: UInt64
    let key1: UInt64

    func callAsFunction(_ m0: UInt64, _ m1: UInt64) -> UInt64 {
        var v0 = key0 ^ 0x736f_6d65_7073_6575
        var v1 = key1 ^ 0x646f_7261_6e64_6f6d
        var v2 = key0 ^ 0x6c79_6765_6e65_7261
        var v3 = key1 ^ 0x7465_6462_7974_6573
        func round() {
            v0 &+= v1; v1 = (v1 << 13) | (v1 >> 51); v1 ^= v0; v0 = (v0 << 32) | (v0 >> 32)
            v2 &+= v3; v3 = (v3 << 16) | (v3 >> 48); v3 ^= v2
            v0 &+= v3; v3 = (v3 << 21) | (v3 >> 43); v3 ^= v0
            v2 &+= v1; v1 = (v1 << 17) | (v1 >> 47); v1 ^= v2; v2 = (v2 << 32) | (v2 >> 32)
        }
        for m in [m0, m1, UInt64(16) << 56] {
            v3 ^= m
            round(); round()
            v0 ^= m
        }
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}
