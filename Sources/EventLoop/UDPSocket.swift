import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket on the loop with batched receive: libuv fills one preallocated buffer with
/// up to `batch` datagrams per recvmmsg call. Nothing is allocated per datagram; the bytes
/// handed to `onDatagram` are valid only during the call.
public final class UDPSocket {
    let handle: UnsafeMutablePointer<uv_udp_t>
    /// libuv splits the receive buffer into 64 KiB slots, one datagram each.
    private static let slot = 65_536
    private let receiveBuffer: UnsafeMutableRawPointer
    private let receiveBufferSize: Int
    /// uv_buf_t descriptors for scatter/gather sends, allocated once.
    private let gather = UnsafeMutablePointer<uv_buf_t>.allocate(capacity: UDPSocket.maximumParts)
    public static let maximumParts = 64
    /// The arrays of `send(datagrams:…)`, made on its first use.
    lazy var batchBuffers = UDPBatchBuffers()
    private var onDatagram: ((UnsafeRawBufferPointer, SocketAddress) -> Void)?
    private var onError: ((UVError) -> Void)?
    private var onBatchEnd: (() -> Void)?

    /// Binds to `address` (port 0 picks a free port; see `localAddress`).
    public init(loop: Loop, bindTo address: SocketAddress, batch: Int = 32) throws(UVError) {
        handle = allocateHandle(uv_udp_t.self)
        let initResult = uv_udp_init_ex(loop.raw, handle, UInt32(AF_INET) | UInt32(UV_UDP_RECVMMSG.rawValue))
        if initResult < 0 {
            free(handle)
            throw UVError(initResult, "uv_udp_init_ex")
        }
        receiveBufferSize = Self.slot * max(1, batch)
        receiveBuffer = .allocate(byteCount: receiveBufferSize, alignment: 16)
        attach(self, to: handle)
        var storage = address.storage
        let bindResult = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_udp_bind(handle, $0, 0) }
        }
        if bindResult < 0 {
            close()
            throw UVError(bindResult, "bind UDP \(address)")
        }
    }

    deinit {
        receiveBuffer.deallocate()
        gather.deallocate()
    }

    public var localAddress: SocketAddress {
        var storage = sockaddr_in()
        var length = Int32(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_udp_getsockname(handle, $0, &length) }
        }
        return SocketAddress(storage)
    }

    /// `onBatchEnd` runs after the last datagram of each batch the kernel handed over (one
    /// recvmmsg call), so a caller can do once per batch what it need not do per datagram.
    public func startReceiving(_ onDatagram: @escaping (UnsafeRawBufferPointer, SocketAddress) -> Void,
                               onBatchEnd: (() -> Void)? = nil,
                               onError: ((UVError) -> Void)? = nil) throws(UVError) {
        self.onDatagram = onDatagram
        self.onBatchEnd = onBatchEnd
        self.onError = onError
        try UVError.check(uv_udp_recv_start(handle, { h, _, buf in
            guard let socket = owner(of: h, as: UDPSocket.self), let buf else { return }
            buf.pointee = uv_buf_init(socket.receiveBuffer.assumingMemoryBound(to: CChar.self), UInt32(socket.receiveBufferSize))
        }, { h, nread, buf, addr, flags in
            guard let socket = owner(of: h, as: UDPSocket.self) else { return }
            if nread < 0 {
                socket.onError?(UVError(Int32(nread), "UDP receive"))
                return
            }
            // nread == 0 with no address: nothing more to read, or the end of a recvmmsg batch.
            guard nread > 0 || addr != nil, let addr, let base = buf?.pointee.base else {
                socket.onBatchEnd?()
                return
            }
            // A datagram read alone (not a chunk of a recvmmsg batch) is a batch of its own.
            defer { if flags & UInt32(UV_UDP_MMSG_CHUNK.rawValue) == 0 { socket.onBatchEnd?() } }
            guard Int32(addr.pointee.sa_family) == AF_INET else { return }
            let from = addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { SocketAddress($0.pointee) }
            socket.onDatagram?(UnsafeRawBufferPointer(start: base, count: nread), from)
        }), "uv_udp_recv_start")
    }

    /// Sends one datagram now, without queueing. Returns false when the kernel would block or
    /// refuses it; a tunnel treats that as a dropped frame, as a real wire would.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) -> Bool {
        var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: CChar.self)),
                                 UInt32(bytes.count))
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_udp_try_send(handle, &buffer, 1, $0) }
        }
        return result >= 0
    }

    /// Sends one datagram made of `parts`, in order, with one system call and no copy
    /// (scatter/gather: a header here, a payload there). False as for `send(_:to:)`.
    @discardableResult
    public func send(parts: UnsafeBufferPointer<UnsafeRawBufferPointer>, to address: SocketAddress) -> Bool {
        precondition(parts.count <= Self.maximumParts, "too many parts for one datagram")
        for (index, part) in parts.enumerated() {
            gather[index] = uv_buf_init(UnsafeMutablePointer(mutating: part.baseAddress?.assumingMemoryBound(to: CChar.self)),
                                        UInt32(part.count))
        }
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_udp_try_send(handle, gather, UInt32(parts.count), $0) }
        }
        return result >= 0
    }

    /// Sets the kernel socket buffers (bytes); bulk transfers need more than the default.
    public func setBufferSizes(send: Int32, receive: Int32) {
        var s = send, r = receive
        withUnsafeMutablePointer(to: &handle.pointee) {
            $0.withMemoryRebound(to: uv_handle_t.self, capacity: 1) { h in
                _ = uv_send_buffer_size(h, &s)
                _ = uv_recv_buffer_size(h, &r)
            }
        }
    }

    public func close() {
        onDatagram = nil
        onBatchEnd = nil
        onError = nil
        uv_udp_recv_stop(handle)
        closeHandle(handle)
    }
}
