import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// One connection on a Unix-domain stream socket (the control channel of a node).
public final class UnixStream {
    let handle: UnsafeMutablePointer<uv_pipe_t>
    private var readBuffer = [UInt8](repeating: 0, count: 65_536)
    private var onData: ((UnsafeRawBufferPointer) -> Void)?
    private var onClose: (() -> Void)?
    public private(set) var isClosed = false

    init(loop: Loop) {
        handle = allocateHandle(uv_pipe_t.self)
        uv_pipe_init(loop.raw, handle, 0)
        attach(self, to: handle)
    }

    /// Delivers bytes as they arrive; `onClose` runs once when the peer hangs up or reading fails.
    public func startReading(onData: @escaping (UnsafeRawBufferPointer) -> Void, onClose: @escaping () -> Void) {
        self.onData = onData
        self.onClose = onClose
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_read_start(stream, { h, _, buf in
                guard let stream = owner(of: h, as: UnixStream.self), let buf else { return }
                let count = stream.readBuffer.count
                stream.readBuffer.withUnsafeMutableBytes {
                    buf.pointee = uv_buf_init($0.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(count))
                }
            }, { h, nread, buf in
                guard let stream = owner(of: h, as: UnixStream.self) else { return }
                if nread < 0 { stream.close(); return }
                guard nread > 0, let base = buf?.pointee.base else { return }
                stream.onData?(UnsafeRawBufferPointer(start: base, count: nread))
            })
        }
        if result < 0 { close() }
    }

    /// Queues bytes for writing; they are copied, so the caller's buffer may change at once.
    public func write(_ bytes: [UInt8]) {
        guard !isClosed, !bytes.isEmpty else { return }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let request = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
        request.pointee.data = copy
        var buffer = uv_buf_init(copy.assumingMemoryBound(to: CChar.self), UInt32(bytes.count))
        let result = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_write(request, stream, &buffer, 1) { request, _ in
                guard let request else { return }
                request.pointee.data?.deallocate()
                request.deallocate()
            }
        }
        if result < 0 {
            copy.deallocate()
            request.deallocate()
            close()
        }
    }

    public func write(_ text: String) { write(Array(text.utf8)) }

    /// Closes after the writes already queued have been flushed (libuv orders close after them).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        let callback = onClose
        onData = nil
        onClose = nil
        uv_read_stop(handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { $0 })
        // Closing a stream cancels writes still queued; shut it down first so they go out.
        let queued = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { uv_stream_get_write_queue_size($0) }
        let request = UnsafeMutablePointer<uv_shutdown_t>.allocate(capacity: 1)
        let shutdownResult = queued == 0 ? -1 : handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_shutdown(request, stream) { request, _ in
                guard let request else { return }
                if let stream = request.pointee.handle { closeHandle(stream) }
                request.deallocate()
            }
        }
        if shutdownResult < 0 {
            request.deallocate()
            closeHandle(handle)
        }
        callback?()
    }
}
