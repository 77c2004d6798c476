/// A point on a monotonic clock, in nanoseconds. Every sans-I/O layer (NIC, stack) takes the
/// current instant as an argument instead of reading a clock, so the same code runs on the
/// event loop's clock in a node process and on a virtual clock in the simulation tests.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func < (l: Instant, r: Instant) -> Bool { l.nanoseconds < r.nanoseconds }

    public static func + (l: Instant, r: Duration) -> Instant {
        Instant(nanoseconds: l.nanoseconds &+ UInt64(max(0, r.nanosecondsValue)))
    }

    /// The time from `earlier` to `self`; zero when `earlier` is later.
    public func since(_ earlier: Instant) -> Duration {
        nanoseconds >= earlier.nanoseconds ? .nanoseconds(Int64(nanoseconds - earlier.nanoseconds)) : .zero
    }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    public var nanosecondsValue: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product &+ attoseconds / 1_000_000_000
    }

    /// The duration in milliseconds, as a fraction, for display.
    public var milliseconds: Double { Double(nanosecondsValue) / 1e6 }
}
