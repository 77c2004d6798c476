import CLibUV

/// A libuv timer. Millisecond resolution is libuv's; the stacks above keep nanosecond
/// deadlines and the node rounds up when arming this.
public final class LoopTimer {
    let handle: UnsafeMutablePointer<uv_timer_t>
    private var callback: (() -> Void)?

    public init(loop: Loop) {
        handle = allocateHandle(uv_timer_t.self)
        uv_timer_init(loop.raw, handle)
        attach(self, to: handle)
    }

    /// Fires once after `milliseconds`, then every `repeatMilliseconds` when that is non-zero.
    public func start(after milliseconds: UInt64, repeating repeatMilliseconds: UInt64 = 0, _ callback: @escaping () -> Void) {
        self.callback = callback
        uv_timer_start(handle, { h in owner(of: h, as: LoopTimer.self)?.callback?() }, milliseconds, repeatMilliseconds)
    }

    public func stop() { uv_timer_stop(handle) }

    /// Does not keep the loop running by itself.
    public func unref() { unreference(handle) }

    public func close() {
        callback = nil
        closeHandle(handle)
    }
}
