import Wire

/// How fast a node sends ICMP errors (RFC 1812 §4.3.2.8, RFC 1122 §3.2.2), with Linux's
/// defaults: token buckets, one for the node and one per destination.
public struct ICMPRateLimits: Sendable, Equatable, Codable {
    /// Errors per second the node sends in all (Linux's icmp_msgs_per_sec), and the burst it
    /// may send at once (icmp_msgs_burst).
    public var perSecond: Int
    public var burst: Int
    /// One error per this interval to one destination (Linux's icmp_ratelimit, 1 s), after a
    /// burst of `destinationBurst` (its XRLIM_BURST_FACTOR, 6). Fragmentation needed is never
    /// held back by destination: path MTU discovery depends on it (Linux's icmp_ratemask).
    public var destinationInterval: Duration
    public var destinationBurst: Int

    public init(perSecond: Int = 1000, burst: Int = 50, destinationInterval: Duration = .seconds(1), destinationBurst: Int = 6) {
        self.perSecond = perSecond
        self.burst = burst
        self.destinationInterval = destinationInterval
        self.destinationBurst = destinationBurst
    }

    /// No limit at all (for tests that count every error).
    public static let unlimited = ICMPRateLimits(perSecond: .max / 2, burst: .max / 2, destinationInterval: .zero, destinationBurst: .max / 2)
}

/// The buckets themselves. Tokens are kept in nanoseconds of credit, so no rounding loses any.
struct ICMPRateLimiter {
    var limits: ICMPRateLimits
    private var global: Bucket?
    private var destinations: [IPv4Address: Bucket] = [:]
    /// Destinations remembered at most; when full, those whose bucket has refilled are
    /// forgotten (they would be allowed anyway), so a flood of sources cannot grow it.
    static let maximumDestinations = 4096

    private struct Bucket {
        var tokens: Double
        var updated: Instant
    }

    init(limits: ICMPRateLimits) { self.limits = limits }

    /// Whether an error of this kind to `destination` may leave now; takes its tokens if so.
    mutating func allow(to destination: IPv4Address, limitedByDestination: Bool, now: Instant) -> Bool {
        let perNanosecond = Double(limits.perSecond) / 1e9
        var node = refill(global, rate: perNanosecond, burst: Double(limits.burst), now: now)
        guard node.tokens >= 1 else {
            global = node
            return false
        }
        if limitedByDestination && limits.destinationInterval > .zero {
            let rate = 1 / Double(limits.destinationInterval.nanosecondsValue)
            var bucket = refill(destinations[destination], rate: rate, burst: Double(limits.destinationBurst), now: now)
            guard bucket.tokens >= 1 else {
                destinations[destination] = bucket
                global = node
                return false
            }
            bucket.tokens -= 1
            if destinations[destination] == nil && destinations.count >= Self.maximumDestinations { forgetRefilled(now: now) }
            destinations[destination] = bucket
        }
        node.tokens -= 1
        global = node
        return true
    }

    private func refill(_ bucket: Bucket?, rate: Double, burst: Double, now: Instant) -> Bucket {
        guard var bucket else { return Bucket(tokens: burst, updated: now) }
        let elapsed = Double(now.nanoseconds &- min(bucket.updated.nanoseconds, now.nanoseconds))
        bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
        bucket.updated = now
        return bucket
    }

    private mutating func forgetRefilled(now: Instant) {
        let rate = 1 / Double(max(1, limits.destinationInterval.nanosecondsValue))
        let burst = Double(limits.destinationBurst)
        destinations = destinations.filter { refill($0.value, rate: rate, burst: burst, now: now).tokens < burst }
        if destinations.count >= Self.maximumDestinations { destinations.removeAll() }
    }
}
