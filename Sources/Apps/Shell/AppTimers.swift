import Wire

/// The timers of a node's applications. Sans-I/O like the stack under them: whoever drives
/// the node (the libuv loop of a node process, the virtual clock of a simulation) asks for
/// `nextDeadline` and calls `fire(now:)` when it comes, so an app runs the same in both.
public final class AppTimers {
    public struct Token: Hashable, Sendable {
        fileprivate let id: Int
    }

    private var entries: [(token: Token, deadline: Instant, action: () -> Void)] = []
    private var nextID = 0

    public init() {}

    /// Runs `action` once, at the first `fire(now:)` at or after `deadline`.
    @discardableResult
    public func schedule(at deadline: Instant, _ action: @escaping () -> Void) -> Token {
        let token = Token(id: nextID)
        nextID += 1
        entries.append((token, deadline, action))
        return token
    }

    public func cancel(_ token: Token?) {
        guard let token else { return }
        entries.removeAll { $0.token == token }
    }

    public var nextDeadline: Instant? { entries.map(\.deadline).min() }

    /// Runs every action that is due, earliest first; an action may schedule others (those
    /// that are already due run in the same call).
    public func fire(now: Instant) {
        while let index = entries.indices.filter({ entries[$0].deadline <= now })
            .min(by: { entries[$0].deadline < entries[$1].deadline }) {
            let entry = entries.remove(at: index)
            entry.action()
        }
    }
}
