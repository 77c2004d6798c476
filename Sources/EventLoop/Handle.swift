import CLibUV
#if canImport(Glibc)
import Glibc
#endif

// Every libuv handle here is malloc'ed, owns a retained reference to its Swift wrapper in
// `data`, and is freed in its close callback. So a wrapper lives exactly as long as its handle
// is open, whoever else holds it, and libuv never calls back into a freed object.

func allocateHandle<H>(_ type: H.Type) -> UnsafeMutablePointer<H> {
    let raw = calloc(1, MemoryLayout<H>.size)!
    return raw.bindMemory(to: H.self, capacity: 1)
}

func attach<H>(_ owner: AnyObject, to handle: UnsafeMutablePointer<H>) {
    handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) {
        $0.pointee.data = Unmanaged.passRetained(owner).toOpaque()
    }
}

func owner<T: AnyObject, H>(of handle: UnsafeMutablePointer<H>?, as type: T.Type) -> T? {
    guard let handle else { return nil }
    return handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { h -> T? in
        guard let data = h.pointee.data else { return nil }
        return Unmanaged<T>.fromOpaque(data).takeUnretainedValue()
    }
}

/// Closes the handle (once); the close callback releases the wrapper and frees the memory.
func closeHandle<H>(_ handle: UnsafeMutablePointer<H>) {
    handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { h in
        guard uv_is_closing(h) == 0 else { return }
        uv_close(h) { h in
            guard let h else { return }
            if let data = h.pointee.data { Unmanaged<AnyObject>.fromOpaque(data).release() }
            free(h)
        }
    }
}

/// Lets the loop end while this handle is still open (a watcher that must not keep a node alive).
func unreference<H>(_ handle: UnsafeMutablePointer<H>) {
    handle.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { uv_unref($0) }
}
