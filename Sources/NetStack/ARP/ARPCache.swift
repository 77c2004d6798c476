import Wire

/// The neighbour table: IPv4 → MAC with expiry, and frames waiting for a resolution.
/// Waiting frames are bounded per neighbour (the oldest is dropped, as Linux's
/// `unres_qlen` does) so a burst to a dead neighbour cannot grow memory without end.
struct ARPCache {
    struct Entry {
        var mac: MACAddress
        var expires: Instant
        /// When an expired entry still in use may be probed again (unicast, to `mac`).
        var nextProbe: Instant = .zero
    }

    /// A resolution in progress: the frames that wait for it and when to ask again.
    struct Pending {
        var interface: Int
        var frames: [[UInt8]] = []
        var attempts = 0
        var nextAttempt: Instant
    }

    var entries: [IPv4Address: Entry] = [:]
    var pending: [IPv4Address: Pending] = [:]

    let lifetime: Duration
    let retryInterval: Duration
    let maximumAttempts: Int
    let maximumQueuedFrames: Int

    init(lifetime: Duration = .seconds(60), retryInterval: Duration = .seconds(1),
         maximumAttempts: Int = 3, maximumQueuedFrames: Int = 64) {
        self.lifetime = lifetime
        self.retryInterval = retryInterval
        self.maximumAttempts = maximumAttempts
        self.maximumQueuedFrames = maximumQueuedFrames
    }

    /// The MAC to send to, and whether to probe it now. An entry past its lifetime is stale,
    /// not gone: traffic keeps using it while unicast requests to that MAC confirm it (Linux's
    /// STALE → PROBE), so an active flow's frames never leave the fast path to wait for ARP
    /// every `lifetime`. Unanswered for `maximumAttempts` probes, the entry goes.
    mutating func resolve(_ address: IPv4Address, now: Instant) -> (mac: MACAddress?, probe: Bool) {
        guard let entry = entries[address] else { return (nil, false) }
        if entry.expires > now { return (entry.mac, false) }
        guard now < entry.expires + probeWindow else { return (nil, false) }
        guard entry.nextProbe <= now else { return (entry.mac, false) }
        entries[address]!.nextProbe = now + retryInterval
        return (entry.mac, true)
    }

    /// How long a stale entry in use is probed before it goes.
    var probeWindow: Duration { retryInterval * maximumAttempts }

    /// Records a mapping; returns the frames that were waiting for it.
    mutating func learn(_ address: IPv4Address, is mac: MACAddress, now: Instant) -> [[UInt8]] {
        entries[address] = Entry(mac: mac, expires: now + lifetime)
        return pending.removeValue(forKey: address)?.frames ?? []
    }

    /// Whether we already hold an entry (RFC 826: update only what we have, unless addressed to us).
    func has(_ address: IPv4Address) -> Bool { entries[address] != nil }

    /// Queues a frame for `address`. Returns true when a request should go out now (first
    /// frame for it), and whether a frame had to be dropped to make room.
    mutating func enqueue(_ frame: [UInt8], for address: IPv4Address, interface: Int, now: Instant) -> (requestNow: Bool, dropped: Bool) {
        if pending[address] == nil {
            pending[address] = Pending(interface: interface, frames: [frame], attempts: 1, nextAttempt: now + retryInterval)
            return (true, false)
        }
        var dropped = false
        if pending[address]!.frames.count >= maximumQueuedFrames {
            pending[address]!.frames.removeFirst()
            dropped = true
        }
        pending[address]!.frames.append(frame)
        return (false, dropped)
    }

    /// Resolutions whose retry time has come: ask again, or give up after the last attempt.
    mutating func due(now: Instant) -> (retry: [(IPv4Address, Int)], failed: [(IPv4Address, Pending)]) {
        var retry: [(IPv4Address, Int)] = []
        var failed: [(IPv4Address, Pending)] = []
        for (address, var state) in pending where state.nextAttempt <= now {
            if state.attempts >= maximumAttempts {
                failed.append((address, state))
                pending[address] = nil
            } else {
                state.attempts += 1
                state.nextAttempt = now + retryInterval
                pending[address] = state
                retry.append((address, state.interface))
            }
        }
        for (address, entry) in entries where entry.expires + probeWindow <= now { entries[address] = nil }
        return (retry, failed)
    }

    var nextDeadline: Instant? { pending.values.lazy.map(\.nextAttempt).min() }
}
