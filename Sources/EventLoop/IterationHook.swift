import CLibUV

/// Runs a callback once per loop iteration, just before the loop blocks for I/O (a libuv
/// prepare handle). A node uses it to let its stack react to everything the iteration
/// delivered at once, and to arm the next timer, instead of doing so per datagram.
public final class IterationHook {
    let handle: UnsafeMutablePointer<uv_prepare_t>
    private var callback: (() -> Void)?

    public init(loop: Loop, _ callback: @escaping () -> Void) {
        self.callback = callback
        handle = allocateHandle(uv_prepare_t.self)
        uv_prepare_init(loop.raw, handle)
        attach(self, to: handle)
        uv_prepare_start(handle) { h in owner(of: h, as: IterationHook.self)?.callback?() }
    }

    public func close() {
        callback = nil
        uv_prepare_stop(handle)
        closeHandle(handle)
    }
}
