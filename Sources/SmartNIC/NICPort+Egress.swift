import Wire

/// Egress: where a transmitted datagram leaves the port. Link down drops it; impaired (`egress`
/// is not `.none`) it goes through the port's `LinkShaper`; otherwise straight to `send`.
extension NICPort {
    /// When `releaseDue(now:)` must next be called: the release time of the earliest frame
    /// waiting in the delay line; nil when none waits.
    public var nextDeadline: Instant? { shaper?.nextDeadline }

    /// Sends, through `send`, every delayed frame whose release time is `now` or earlier, in
    /// time order. The node calls it when `nextDeadline` comes (its timer).
    public func releaseDue(now: Instant) {
        shaper?.releaseDue(now: now)
    }

    /// Frames waiting in the delay line.
    public var queuedFrames: Int { shaper?.queuedFrames ?? 0 }

    /// Hands a transmitted datagram to the link.
    @inline(__always)
    func sendOut(_ datagram: UnsafeBufferPointer<UnsafeRawBufferPointer>, headroom: Int) {
        guard isLinkUp else {
            counters.droppedLinkDown += 1
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
        guard !egress.isNone else {
            // Frames already waiting keep their times; the shaper and its pool stay for later.
            shaper?.injector.impairments = egress
            isImpaired = false
            return
        }
        if let shaper {
            shaper.injector.impairments = egress
        } else {
            shaper = LinkShaper(port: self, impairments: egress, seed: impairmentSeed, slotCount: delayLineSlots)
        }
        isImpaired = true
    }
}
