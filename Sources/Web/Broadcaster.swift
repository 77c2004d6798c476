import NIOConcurrencyHelpers

/// Hands each sample to every open websocket. The sampler thread publishes; each client reads
/// its own stream, which keeps only the newest few: a slow browser skips samples, it never
/// holds up the sampler or makes the process grow.
final class Broadcaster: Sendable {
    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
        var latest: String?
    }
    private let state = NIOLockedValueBox(State())

    /// A new client's stream, starting with the latest sample so the page draws at once.
    func subscribe() -> (id: Int, stream: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
        let id = state.withLockedValue { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            if let latest = state.latest { continuation.yield(latest) }
            return state.nextID
        }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        state.withLockedValue { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    func publish(_ message: String) {
        let targets = state.withLockedValue { state in
            state.latest = message
            return Array(state.subscribers.values)
        }
        for continuation in targets { continuation.yield(message) }
    }

    var latest: String? { state.withLockedValue { $0.latest } }

    func finishAll() {
        let targets = state.withLockedValue { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in targets { continuation.finish() }
    }
}
