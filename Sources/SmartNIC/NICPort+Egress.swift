import Wire

/// Egress: where a transmitted datagram leaves the port. Link down drops it; impaired (`egress`
/// is not `.none`) it goes through the port's `LinkShaper`; otherwise straight to `send`.
extension NICPort {
    /// When `releaseDue(now:)` must next be called: the release time of the earliest frame
    /// waiting in the delay line; nil when none waits.
    public var nextDeadline: Instant? {
        switch (shaper?.nextDeadline, ingressShaper?.nextDeadline) {
        case let (out?, arriving?): min(out, arriving)
        case let (out, arriving): out ?? arriving
        }
    }

    /// Sends, through `send`, every delayed frame whose release time is `now` or earlier, in
    /// time order. The node calls it when `nextDeadline` comes (its timer).
    public func releaseDue(now: Instant) {
        shaper?.releaseDue(now: now)
        ingressShaper?.releaseDue(now: now)
    }

    /// Frames waiting in the delay lines.
    public var queuedFrames: Int { (shaper?.queuedFrames ?? 0) + (ingressShaper?.queuedFrames ?? 0) }

    /// Hands a transmitted datagram to the link.
    @inline(__always)
    func sendOut(_ datagram: UnsafeBufferPointer<UnsafeRawBufferPointer>, headroom: Int) {
        guard isLinkUp else {
            counters.droppedLinkDown += 1
            return
        }
        // The frame's headers are in the first part, after the encapsulation (payloads follow).
        if !egressFilter.isEmpty, let first = datagram.first, first.count > headroom,
           egressFilter.drops(UnsafeRawBufferPointer(rebasing: first[headroom...])) {
            counters.droppedByFilter += 1
            return
        }
        if isImpaired, let shaper {
            shaper.offer(datagram, headroom: headroom, now: clock())
            return
        }
        if !send(datagram) {
            counters.droppedOnSend += 1
        }
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
