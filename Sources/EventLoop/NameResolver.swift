import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// Resolves a host name to an IPv4 address without blocking the loop: libuv runs getaddrinfo
/// on its thread pool and calls back on the loop's thread. A node whose peers are named
/// (service names under docker) looks them up again while frames flow, and a slow or absent
/// DNS answer must never stall its frame path.
public enum NameResolver {
    /// Calls `done` on the loop's thread with the first IPv4 address of `host`, port `port`.
    /// A dotted quad is answered at once, without a lookup.
    public static func resolve(_ host: String, port: UInt16, on loop: Loop,
                               _ done: @escaping (Result<SocketAddress, UVError>) -> Void) {
        var literal = sockaddr_in()
        if uv_ip4_addr(host, Int32(port), &literal) == 0 {
            done(.success(SocketAddress(literal)))
            return
        }
        let request = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        request.initialize(to: uv_getaddrinfo_t())
        let pending = Unmanaged.passRetained(Pending(host: host, port: port, done: done))
        request.pointee.data = pending.toOpaque()
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        // libuv copies the name and the hints; neither has to outlive this call.
        let status = uv_getaddrinfo(loop.raw, request, { request, status, result in
            guard let request else { return }
            let pending = Unmanaged<Pending>.fromOpaque(request.pointee.data).takeRetainedValue()
            request.deallocate()
            defer { if let result { uv_freeaddrinfo(result) } }
            guard status == 0, let first = result, let address = first.pointee.ai_addr else {
                pending.done(.failure(UVError(status == 0 ? UV_EAI_NONAME.rawValue : status, "resolve \(pending.host)")))
                return
            }
            var resolved = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            resolved.sin_port = pending.port.bigEndian
            pending.done(.success(SocketAddress(resolved)))
        }, host, nil, &hints)
        if status != 0 {
            pending.release()
            request.deallocate()
            done(.failure(UVError(status, "resolve \(host)")))
        }
    }

    private final class Pending {
        let host: String
        let port: UInt16
        let done: (Result<SocketAddress, UVError>) -> Void
        init(host: String, port: UInt16, done: @escaping (Result<SocketAddress, UVError>) -> Void) {
            self.host = host
            self.port = port
            self.done = done
        }
    }
}
