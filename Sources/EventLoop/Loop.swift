import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// One libuv event loop. A node process runs exactly one, on its main thread; every wrapper in
/// this module is used from that thread only.
public final class Loop {
    let raw: UnsafeMutablePointer<uv_loop_t>

    public init() throws(UVError) {
        Self.unblockLoopSignals()
        raw = .allocate(capacity: 1)
        do { try UVError.check(uv_loop_init(raw), "uv_loop_init") } catch {
            raw.deallocate()
            throw error
        }
    }

    /// A process may start with signals blocked (a parent's threads often block them, and the
    /// mask is inherited). libuv learns of child exits through SIGCHLD and a node stops on
    /// SIGINT/SIGTERM, so those must reach this process.
    static func unblockLoopSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGCHLD, SIGINT, SIGTERM] { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Runs until `stop()` is called or nothing keeps the loop alive.
    public func run() { uv_run(raw, UV_RUN_DEFAULT) }

    /// Runs one iteration without blocking (used while tearing down).
    public func runOnce() { uv_run(raw, UV_RUN_NOWAIT) }

    public func stop() { uv_stop(raw) }

    /// The monotonic clock, in nanoseconds, that a node hands to its NIC and stack as "now".
    public var nanoseconds: UInt64 { uv_hrtime() }

    /// Closes every handle still open, lets their callbacks run, and releases the loop.
    public func close() {
        uv_walk(raw, { handle, _ in
            guard let handle, uv_is_closing(handle) == 0 else { return }
            uv_close(handle) { h in
                guard let h else { return }
                if let data = h.pointee.data { Unmanaged<AnyObject>.fromOpaque(data).release() }
                free(h)
            }
        }, nil)
        while uv_run(raw, UV_RUN_NOWAIT) != 0 {}
        uv_loop_close(raw)
        raw.deallocate()
    }
}
