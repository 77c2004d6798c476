import Wire

/// Applies `Impairments` to the frames of one link direction: decides, per frame, whether it
/// is lost, duplicated, corrupted, and when each copy arrives. Sans-I/O: it returns the
/// arrival times and the caller (a node's timer queue, or the simulation's event queue)
/// delivers then. Delay is scheduling, never sleeping.
public struct FaultInjector: Sendable {
    public var impairments: Impairments
    public private(set) var random: SeededRandom
    public private(set) var counters = Counters()
    /// When the rate limiter's link is free again.
    private var linkFreeAt = Instant.zero

    public struct Counters: Sendable, Equatable, Codable {
        public var frames = 0
        public var lost = 0
        public var duplicated = 0
        public var corrupted = 0
        public var reordered = 0
        public var queueDrops = 0
        public init() {}
    }

    /// One copy of a frame to deliver, and whether its bytes were damaged on the way.
    public struct Delivery: Sendable {
        public var at: Instant
        public var corruptByte: Int?
        public var corruptMask: UInt8
    }

    public init(impairments: Impairments, seed: UInt64) {
        self.impairments = impairments
        random = SeededRandom(seed: seed)
    }

    /// The deliveries of a frame of `length` bytes sent at `now` (none when it is lost).
    public mutating func schedule(length: Int, now: Instant) -> [Delivery] {
        counters.frames += 1
        var departure = now
        if let rate = impairments.rate, rate > 0 {
            let start = max(now, linkFreeAt)
            let backlogBytes = Double(start.since(now).nanosecondsValue) * Double(rate) / 8e9
            if backlogBytes + Double(length) > Double(impairments.queueLimit) {
                counters.queueDrops += 1
                return []
            }
            let serialization = Duration.nanoseconds(Int64(Double(length * 8) * 1e9 / Double(rate)))
            linkFreeAt = start + serialization
            departure = linkFreeAt
        }
        if random.chance(impairments.loss) {
            counters.lost += 1
            return []
        }
        let copies = random.chance(impairments.duplicate) ? 2 : 1
        if copies == 2 { counters.duplicated += 1 }
        var deliveries: [Delivery] = []
        for _ in 0..<copies {
            var arrival = departure
            if random.chance(impairments.reorder) {
                counters.reordered += 1
            } else {
                arrival = arrival + impairments.delay
                if impairments.jitter > .zero {
                    arrival = arrival + .nanoseconds(Int64(random.unit() * Double(impairments.jitter.nanosecondsValue)))
                }
            }
            var delivery = Delivery(at: arrival, corruptByte: nil, corruptMask: 0)
            if length > 0 && random.chance(impairments.corrupt) {
                counters.corrupted += 1
                delivery.corruptByte = Int(random.next() % UInt64(length))
                delivery.corruptMask = UInt8(1) << UInt8(random.next() % 8)
            }
            deliveries.append(delivery)
        }
        return deliveries
    }
}
