import Wire

/// Applies `Impairments` to the frames of one link direction: decides, per frame, whether it
/// is lost, duplicated, corrupted, and when each copy arrives. Sans-I/O: it returns the
/// arrival times and the caller (a NIC port's `LinkShaper`, or the simulation's event queue)
/// delivers then. Delay is scheduling, never sleeping.
///
/// The random draws of a frame, in order (each only when its probability is above zero):
/// loss (one draw, independent or the Gilbert–Elliott transition), duplicate, then per copy
/// reorder, jitter (when not reordered and jitter > 0), corrupt, and for a corrupted copy the
/// byte and the bit. A run is replayed exactly from its seed.
public struct FaultInjector: Sendable {
    public var impairments: Impairments
    public private(set) var random: SeededRandom
    public private(set) var counters = Counters()
    /// When the rate limiter's link is free again.
    private var linkFreeAt = Instant.zero
    /// Bursty loss (`lossBurst > 1`): whether the Gilbert–Elliott chain is in its bad state,
    /// where every frame is lost.
    public private(set) var inLossBurst = false

    public struct Counters: Sendable, Equatable, Codable {
        public var frames = 0
        public var lost = 0
        public var duplicated = 0
        public var corrupted = 0
        public var reordered = 0
        public var queueDrops = 0
        public init() {}
    }

    /// One copy of a frame to deliver, and whether its bytes were damaged on the way: byte
    /// `corruptByte` of the frame (the Ethernet frame, after any encapsulation header) is to be
    /// XORed with `corruptMask` (one bit).
    public struct Delivery: Sendable, Equatable {
        public var at: Instant
        public var corruptByte: Int?
        public var corruptMask: UInt8

        public init(at: Instant, corruptByte: Int? = nil, corruptMask: UInt8 = 0) {
            self.at = at
            self.corruptByte = corruptByte
            self.corruptMask = corruptMask
        }
    }

    /// The copies of one frame that arrive: none (lost, or dropped by the rate limiter's full
    /// queue), one, or two (duplicated). A value, not an array: no allocation per frame.
    public struct Deliveries: RandomAccessCollection, Sendable {
        private var one = Delivery(at: .zero)
        private var two = Delivery(at: .zero)
        public private(set) var endIndex = 0

        public init() {}

        public var startIndex: Int { 0 }
        public var count: Int { endIndex }

        /// A concrete iterator: the default one, generic, allocates for every element when it
        /// is not specialized (a debug build).
        public struct Iterator: IteratorProtocol {
            let deliveries: Deliveries
            var index = 0

            public mutating func next() -> Delivery? {
                guard index < deliveries.endIndex else { return nil }
                defer { index += 1 }
                return deliveries[index]
            }
        }

        public func makeIterator() -> Iterator { Iterator(deliveries: self) }

        public subscript(position: Int) -> Delivery {
            precondition(position >= 0 && position < endIndex, "delivery index out of range")
            return position == 0 ? one : two
        }

        mutating func append(_ delivery: Delivery) {
            precondition(endIndex < 2, "a frame has at most two copies")
            if endIndex == 0 { one = delivery } else { two = delivery }
            endIndex += 1
        }
    }

    public init(impairments: Impairments, seed: UInt64) {
        self.impairments = impairments
        random = SeededRandom(seed: seed)
    }

    /// Restarts the random sequence from `seed`; the impairments, the rate limiter's backlog and
    /// the counters are kept.
    public mutating func reseed(_ seed: UInt64) {
        random = SeededRandom(seed: seed)
        inLossBurst = false
    }

    /// Forgets the rate limiter's backlog: the frames it was serializing are gone (the link
    /// went down with them on it).
    public mutating func clearBacklog() {
        linkFreeAt = .zero
    }

    /// The deliveries of a frame of `length` bytes sent at `now` (none when it is lost).
    public mutating func schedule(length: Int, now: Instant) -> Deliveries {
        counters.frames += 1
        var deliveries = Deliveries()
        var departure = now
        if let rate = impairments.rate, rate > 0 {
            let start = max(now, linkFreeAt)
            let backlogBytes = Double(start.since(now).nanosecondsValue) * Double(rate) / 8e9
            // An idle link always takes a frame, however small the queue: a queue below one
            // frame would otherwise drop every full-size frame.
            if backlogBytes > 0 && backlogBytes + Double(length) > Double(impairments.queueLimit) {
                counters.queueDrops += 1
                return deliveries
            }
            let serialization = Duration.nanoseconds(Int64(Double(length * 8) * 1e9 / Double(rate)))
            linkFreeAt = start + serialization
            departure = linkFreeAt
        }
        if isLost() {
            counters.lost += 1
            return deliveries
        }
        let copies = random.chance(impairments.duplicate) ? 2 : 1
        if copies == 2 { counters.duplicated += 1 }
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
            var delivery = Delivery(at: arrival)
            if length > 0 && random.chance(impairments.corrupt) {
                counters.corrupted += 1
                delivery.corruptByte = Int(random.next() % UInt64(length))
                delivery.corruptMask = UInt8(1) << UInt8(random.next() % 8)
            }
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// Whether this frame is lost: one draw (none when `loss` is zero).
    ///
    /// `lossBurst <= 1`: independent (Bernoulli) loss with probability `loss`.
    /// `lossBurst > 1`: a two-state Gilbert–Elliott chain, stepped once per frame. In the good
    /// state no frame is lost; in the bad state every frame is. From bad the chain returns to
    /// good with probability r = 1 / lossBurst, so a burst lasts `lossBurst` frames on average
    /// (geometric); from good it enters bad with probability p = loss · r / (1 − loss), so the
    /// chain spends the fraction p / (p + r) = `loss` of frames in the bad state. When p would
    /// exceed 1 (a high loss with short bursts: loss > lossBurst / (lossBurst + 1)) it is held at
    /// 1, and the long-run loss is lossBurst / (lossBurst + 1) instead.
    private mutating func isLost() -> Bool {
        let loss = impairments.loss
        guard impairments.lossBurst > 1 else { return random.chance(loss) }
        guard loss > 0 else {
            inLossBurst = false
            return false
        }
        guard loss < 1 else {
            inLossBurst = true
            return true
        }
        let leave = 1 / impairments.lossBurst
        if inLossBurst {
            if random.chance(leave) { inLossBurst = false }
        } else {
            let enter = min(1, loss * leave / (1 - loss))
            if random.chance(enter) { inLossBurst = true }
        }
        return inLossBurst
    }
}
