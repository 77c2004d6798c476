import CLibUV

/// Runs a callback on the loop when a signal arrives (SIGINT/SIGTERM shut a node down cleanly).
public final class SignalWatcher {
    let handle: UnsafeMutablePointer<uv_signal_t>
    private let callback: (Int32) -> Void

    public init(loop: Loop, signal: Int32, _ callback: @escaping (Int32) -> Void) throws(UVError) {
        self.callback = callback
        handle = allocateHandle(uv_signal_t.self)
        uv_signal_init(loop.raw, handle)
        attach(self, to: handle)
        try UVError.check(uv_signal_start(handle, { h, signum in owner(of: h, as: SignalWatcher.self)?.callback(signum) }, signal),
                          "uv_signal_start(\(signal))")
        // A signal watcher alone must not keep a finished loop alive.
        unreference(handle)
    }

    public func close() { closeHandle(handle) }
}
