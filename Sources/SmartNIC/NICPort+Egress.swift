import Wire

/// Egress: where a transmitted datagram leaves the port. Link down drops it; impaired (`egress`
/// is not `.none`) it goes through the port's `LinkShaper`; otherwise straight to `send`.
extension NICPort {
    /// When `releaseDue(now:)` must next be called: the release time of the earliest frame
    /// waiting in the delay line; nil when none waits.
    public var nextDeadline: Instant? {
        var earliest: Instant? = switch (shaper?.nextDeadline, ingressShaper?.nextDeadline) {
        case let (out?, arriving?): min(out, arriving)
        case let (out, arriving): out ?? arriving
        }
        for rule in ruleShapers.values {
            if let due = rule.nextDeadline { earliest = earliest.map { min($0, due) } ?? due }
        }
        return earliest
    }

    /// Adds a rule to what this end sends, or replaces the one of its name.
    public func setEgressRule(_ rule: FrameRule) {
        removeEgressRule(named: rule.name)
        egressFilter.set(rule)
    }

    /// Removes the rules of that name, each delay line with it after sending what it holds;
    /// returns how many there were.
    @discardableResult
    public func removeEgressRule(named name: String) -> Int {
        for (key, shaper) in ruleShapers where key.hasPrefix("\(name)/") {
            shaper.releaseDue(now: Instant(nanoseconds: .max))
            ruleShapers[key] = nil
        }
        return egressFilter.remove(named: name)
    }

    /// Sends, through `send`, every delayed frame whose release time is `now` or earlier, in
    /// time order. The node calls it when `nextDeadline` comes (its timer).
    public func releaseDue(now: Instant) {
        for rule in ruleShapers.values { rule.releaseDue(now: now) }
        shaper?.releaseDue(now: now)
        ingressShaper?.releaseDue(now: now)
    }

    /// Frames waiting in the delay lines.
    public var queuedFrames: Int {
        (shaper?.queuedFrames ?? 0) + (ingressShaper?.queuedFrames ?? 0) + ruleShapers.values.reduce(0) { $0 + $1.queuedFrames }
    }

    /// A rule that delays or corrupts has a small delay line of its own (made on its first
    /// frame, kept while the rule lives), whose output then meets the link's impairments.
    func ruleShaper(for rule: FrameRule) -> LinkShaper {
        let key = "\(rule.name)/\(rule.action)"
        if let shaper = ruleShapers[key] { return shaper }
        let impairments: Impairments = switch rule.action {
        case .delay(let duration): Impairments(delay: duration)
        case .corrupt, .drop: Impairments(corrupt: 1)
        }
        let made = LinkShaper(port: self, impairments: impairments, seed: impairmentSeed ^ UInt64(truncatingIfNeeded: key.hashValue),
                              slotCount: Self.ruleDelayLineSlots) { [unowned self] parts in
            if self.isImpaired, let shaper = self.shaper {
                shaper.offer(parts, headroom: self.encapsulation.headerLength, now: self.clock())
                return true
            }
            return self.send(parts)
        }
        ruleShapers[key] = made
        return made
    }

    /// Slots of a filter rule's delay line: enough for a burst at line rate while a rule of
    /// 200 ms holds it; beyond, frames drop as `droppedDelayLineFull`.
    static let ruleDelayLineSlots = 1024

    /// Hands a transmitted datagram to the link: true when it goes to the wire as it is (the
    /// caller stages it in the ring), false when it was dropped or a delay line took a copy.
    @inline(__always)
    func sendOut(_ datagram: UnsafeBufferPointer<UnsafeRawBufferPointer>, headroom: Int) -> Bool {
        guard isLinkUp else {
            counters.droppedLinkDown += 1
            return false
        }
        // The frame's headers are in the first part, after the encapsulation (payloads follow).
        if !egressFilter.isEmpty, let first = datagram.first, first.count > headroom,
           let index = egressFilter.decide(UnsafeRawBufferPointer(rebasing: first[headroom...])) {
            let rule = egressFilter.rules[index]
            switch rule.action {
            case .drop: counters.droppedByFilter += 1
            case .delay, .corrupt: ruleShaper(for: rule).offer(datagram, headroom: headroom, now: clock())
            }
            return false
        }
        if isImpaired, let shaper {
            shaper.offer(datagram, headroom: headroom, now: clock())
            return false
        }
        return true
    }

    func egressChanged() {
        isImpaired = Self.apply(egress, to: &shaper) { [unowned self] in
            LinkShaper(port: self, impairments: egress, seed: impairmentSeed, slotCount: delayLineSlots) { [unowned self] in
                self.send($0)
            }
        }
    }

    func ingressChanged() {
        isIngressImpaired = Self.apply(ingress, to: &ingressShaper) { [unowned self] in
            LinkShaper(port: self, impairments: ingress, seed: ingressSeed, slotCount: delayLineSlots) { [unowned self] parts in
                // A received datagram is one part, checked on arrival (the impairments change
                // only bytes of the frame, never the encapsulation header or the length).
                guard let datagram = parts.first, let frame = self.decapsulate(datagram) else { return true }
                self.admit(frame: frame)
                return true
            }
        }
    }

    /// Gives `shaper` the new settings, making it the first time they are not `.none`, and says
    /// whether frames must now go through it. Set back to `.none`, frames already waiting keep
    /// their times; the shaper and its pool stay for later.
    private static func apply(_ impairments: Impairments, to shaper: inout LinkShaper?, make: () -> LinkShaper) -> Bool {
        if let shaper {
            shaper.injector.impairments = impairments
        } else if !impairments.isNone {
            shaper = make()
        }
        return !impairments.isNone
    }

    /// The ingress draws follow their own sequence, so adding them leaves the egress's alone.
    var ingressSeed: UInt64 { impairmentSeed ^ 0x696e_6772_6573_7321 }
}
