import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// Listens on a Unix-domain socket. The socket file is created with mode 0600 (only the
/// owner may drive the node) and removed when the server closes.
public final class UnixSocketServer {
    let handle: UnsafeMutablePointer<uv_pipe_t>
    public let path: String
    private let loop: Loop
    private var onConnection: ((UnixStream) -> Void)?

    public init(loop: Loop, path: String, onConnection: @escaping (UnixStream) -> Void) throws(UVError) {
        self.loop = loop
        self.path = path
        self.onConnection = onConnection
        handle = allocateHandle(uv_pipe_t.self)
        uv_pipe_init(loop.raw, handle, 0)
        attach(self, to: handle)
        unlink(path)
        // The umask makes the socket private from the moment it exists, not after a chmod.
        let previousMask = umask(0o077)
        let bindResult = uv_pipe_bind(handle, path)
        umask(previousMask)
        if bindResult < 0 {
            closeHandle(handle)
            throw UVError(bindResult, "bind control socket \(path)")
        }
        let listenResult = handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { stream in
            uv_listen(stream, 16) { h, status in
                guard status >= 0, let server = owner(of: h, as: UnixSocketServer.self) else { return }
                let client = UnixStream(loop: server.loop)
                let accepted = client.handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { c in uv_accept(h, c) }
                if accepted < 0 { client.close(); return }
                server.onConnection?(client)
            }
        }
        if listenResult < 0 {
            close()
            throw UVError(listenResult, "listen on control socket \(path)")
        }
    }

    public func close() {
        onConnection = nil
        closeHandle(handle)
        unlink(path)
    }
}
