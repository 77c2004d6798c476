import SmartNIC
import Wire

/// SYN cookies (RFC 4987 §3.6): when a listener's queue of half-open connections is full, its
/// SYN-ACK carries all the state the connection needs in its initial sequence number, and the
/// listener keeps none; the peer's ACK brings it back (ACK − 1), and a connection is made from
/// it only if it checks. A flood of SYNs from forged addresses then costs the listener nothing
/// but the answers, and real clients still get through.
///
/// The cookie, as RFC 4987 describes Bernstein's (32 bits, high to low):
/// - 5 bits: the 64-second period it was made in (mod 32);
/// - 3 bits: the peer's MSS, as an index into `mssTable`;
/// - 24 bits: a SipHash-2-4 MAC of the four-tuple and the peer's ISN under that period's key.
///
/// Each period's key is derived from the node's secret and the period's number, so the key
/// rotates every 64 s without any state. A cookie is accepted in the period it was made and
/// the next one: it stays valid for 64 to 128 s (Linux's MAX_SYNCOOKIE_AGE is the same two
/// periods). Forging one takes a 2⁻²⁴ guess per packet for each four-tuple and period.
///
/// Window scale and SACK do not fit in 32 bits: as Linux does, they go into the low 6 bits of
/// our timestamp, which the peer echoes in every segment (4 bits of the peer's window scale,
/// 15 for none, and 1 bit for SACK). A peer that does not use timestamps gets neither, and the
/// connection runs without them.
struct SYNCookies {
    static let periodNanoseconds: UInt64 = 64_000_000_000
    /// The MSS values a cookie can say (the peer's MSS is rounded down to one of them): IPv4's
    /// default, RFC 8899's base, a 1280-byte path, common tunnels, Ethernet, 9000-byte jumbo.
    static let mssTable = [536, 1200, 1240, 1300, 1440, 1460, 4312, 8960]
    /// The bits of our timestamp value that carry options.
    static let timestampOptionMask: UInt32 = 0x3f

    /// The node's secret, from which each period's key is derived.
    private let secret: SipHash24

    init(seed: UInt64) {
        // Apart from the ISN generator's keys: knowing one must say nothing of the other.
        var mixer = SeededRandom(seed: seed ^ 0x5359_4e43_6f6f_6b69)
        secret = SipHash24(key0: mixer.next(), key1: mixer.next())
    }

    /// The four-tuple as the listener sees it: our address and port, then the peer's.
    struct Tuple {
        var local: IPv4Address
        var localPort: UInt16
        var remote: IPv4Address
        var remotePort: UInt16
    }

    static func period(at now: Instant) -> UInt64 { now.nanoseconds / periodNanoseconds }

    /// The index of the largest table MSS not above the peer's.
    static func mssIndex(for peerMSS: Int) -> Int {
        mssTable.lastIndex { $0 <= peerMSS } ?? 0
    }

    /// Our ISN for a SYN from `tuple` whose ISN is `peerISN`, announcing `peerMSS`.
    func cookie(for tuple: Tuple, peerISN: UInt32, peerMSS: Int, now: Instant) -> UInt32 {
        let period = Self.period(at: now)
        let mac = self.mac(tuple, peerISN: peerISN, period: period)
        return UInt32(period & 0x1f) << 27 | UInt32(Self.mssIndex(for: peerMSS)) << 24 | mac
    }

    /// The peer's MSS (as the table has it) when `cookie` is one this listener made for
    /// `tuple` and `peerISN` in the current or the previous period; nil otherwise.
    func check(_ cookie: UInt32, for tuple: Tuple, peerISN: UInt32, now: Instant) -> Int? {
        let current = Self.period(at: now)
        for period in [current, current &- 1] where UInt32(period & 0x1f) == cookie >> 27 {
            if mac(tuple, peerISN: peerISN, period: period) == cookie & 0x00ff_ffff {
                return Self.mssTable[Int(cookie >> 24 & 0x7)]
            }
        }
        return nil
    }

    private func mac(_ tuple: Tuple, peerISN: UInt32, period: UInt64) -> UInt32 {
        let periodKey = SipHash24(key0: secret(period, 0), key1: secret(period, 1))
        let words = periodKey(UInt64(tuple.local.value) << 32 | UInt64(tuple.remote.value),
                              UInt64(tuple.localPort) << 48 | UInt64(tuple.remotePort) << 32 | UInt64(peerISN))
        return UInt32(truncatingIfNeeded: words) & 0x00ff_ffff
    }

    /// Our timestamp value for the cookie's SYN-ACK: `now` with the options in its low bits,
    /// never ahead of `now` (the peer's PAWS check would otherwise drop our next segments).
    static func timestamp(_ now: UInt32, peerWindowScale: UInt8?, sack: Bool) -> UInt32 {
        // A shift above 14 is taken as 14 (RFC 7323 §2.3), as the connection will: 15 means none.
        let options = UInt32(peerWindowScale.map { min($0, 14) } ?? 0xf) | (sack ? 0x10 : 0)
        var value = now & ~timestampOptionMask | options
        if Int32(bitPattern: value &- now) > 0 { value &-= timestampOptionMask + 1 }
        return value
    }

    /// The options a timestamp echo carries back: the peer's window scale (nil for none) and SACK.
    static func options(fromEcho echo: UInt32) -> (windowScale: UInt8?, sack: Bool) {
        let scale = UInt8(echo & 0xf)
        return (scale == 0xf ? nil : min(scale, 14), echo & 0x10 != 0)
    }
}
