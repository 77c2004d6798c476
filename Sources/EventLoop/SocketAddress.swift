import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 UDP endpoint. Peers are given by name (an address, or a service name under
/// docker) and resolved here, so re-resolving a peer whose address changed is one call.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var storage: sockaddr_in

    public init(_ storage: sockaddr_in) { self.storage = storage }

    /// A dotted quad only; nil for anything else (a name is for `init(host:port:)` or
    /// `NameResolver`).
    public init?(literal host: String, port: UInt16) {
        var address = sockaddr_in()
        guard uv_ip4_addr(host, Int32(port), &address) == 0 else { return nil }
        storage = address
    }

    /// Resolves `host` (dotted quad or a name) to its first IPv4 address. Blocks on a name:
    /// for set-up, never on a loop that carries frames (`NameResolver` is for that).
    public init(host: String, port: UInt16) throws(UVError) {
        var address = sockaddr_in()
        if uv_ip4_addr(host, Int32(port), &address) == 0 {
            storage = address
            return
        }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let first = result, let sa = first.pointee.ai_addr else {
            throw UVError(UV_EAI_NONAME.rawValue, "resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        address = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
        address.sin_port = port.bigEndian
        storage = address
    }

    public var port: UInt16 { UInt16(bigEndian: storage.sin_port) }
    /// The address in host byte order.
    public var ipv4: UInt32 { UInt32(bigEndian: storage.sin_addr.s_addr) }

    public static func == (l: SocketAddress, r: SocketAddress) -> Bool {
        l.storage.sin_port == r.storage.sin_port && l.storage.sin_addr.s_addr == r.storage.sin_addr.s_addr
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.sin_port)
        hasher.combine(storage.sin_addr.s_addr)
    }

    public var description: String {
        let a = ipv4
        return "\(a >> 24).\(a >> 16 & 0xff).\(a >> 8 & 0xff).\(a & 0xff):\(port)"
    }
}
