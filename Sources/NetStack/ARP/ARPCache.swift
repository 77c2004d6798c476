import Wire

/// The neighbour table: IPv4 → MAC with expiry, and frames waiting for a resolution.
/// Waiting frames are bounded per neighbour (the oldest is dropped, as Linux's
/// `unres_qlen` does) so a burst to a dead neighbour cannot grow memory without end.
struct ARPCache {
    struct Entry {
        var mac: MACAddress
        var expires: Instant
        /// Once an expired entry has been used: the probes sent (unicast, to `mac`) and when
        /// the next is due. A reply (`learn`) makes a fresh entry.
        var probesSent = 0
        var nextProbe: Instant = .zero
        var interface = 0
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

    /// 30 s, Linux's base_reachable_time: how long an entry is trusted without confirmation.
    init(lifetime: Duration = .seconds(30), retryInterval: Duration = .seconds(1),
         maximumAttempts: Int = 3, maximumQueuedFrames: Int = 64) {
        self.lifetime = lifetime
        self.retryInterval = retryInterval
        self.maximumAttempts = maximumAttempts
        self.maximumQueuedFrames = maximumQueuedFrames
    }

    /// The MAC to send to, and whether to probe it now. An entry past its lifetime is stale,
    /// not gone: traffic keeps using it while unicast requests to that MAC confirm it (Linux's
    /// STALE → PROBE), so an active flow's frames never leave the fast path to wait for ARP
    /// every `lifetime`. The first use of a stale entry sends the first probe; `due` sends the
    /// rest, one per `retryInterval`, and drops the entry when `maximumAttempts` went
    /// unanswered (a wrong MAC, a neighbour gone): the next frame asks by broadcast.
    mutating func resolve(_ address: IPv4Address, interface: Int, now: Instant) -> (mac: MACAddress?, probe: Bool) {
        guard let entry = entries[address] else { return (nil, false) }
        if entry.expires > now || entry.probesSent > 0 { return (entry.mac, false) }
        entries[address]!.probesSent = 1
        entries[address]!.nextProbe = now + retryInterval
        entries[address]!.interface = interface
        return (entry.mac, true)
    }

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
    mutating func due(now: Instant) -> (retry: [(IPv4Address, Int)], failed: [(IPv4Address, Pending)], probe: [(IPv4Address, MACAddress, Int)]) {
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
        var probe: [(IPv4Address, MACAddress, Int)] = []
        for (address, entry) in entries where entry.probesSent > 0 && entry.nextProbe <= now {
            if entry.probesSent >= maximumAttempts {
                entries[address] = nil
            } else {
                entries[address]!.probesSent += 1
                entries[address]!.nextProbe = now + retryInterval
                probe.append((address, entry.mac, entry.interface))
            }
        }
        // Unused since it expired: nothing to confirm, it goes.
        for (address, entry) in entries where entry.probesSent == 0 && entry.expires + lifetime <= now { entries[address] = nil }
        return (retry, failed, probe)
    }

    var nextDeadline: Instant? {
        let probe = entries.values.lazy.filter { $0.probesSent > 0 }.map(\.nextProbe).min()
        return Instant.earliest(pending.values.lazy.map(\.nextAttempt).min(), probe)
    }
}
