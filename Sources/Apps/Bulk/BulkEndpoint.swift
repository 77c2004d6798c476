import NetStack
import Wire

/// One end of a bulk transfer over a TCP connection: sends `sendCount` bytes of its pattern,
/// reads and checks the peer's pattern, half-closes when done sending, and closes once the
/// peer has finished too. Used by the simulation tests and by `nicbed exec … tcp-send/recv`.
public final class BulkEndpoint {
    public let connection: TCPConnection
    public let sendPattern: PatternStream
    public let receivePattern: PatternStream
    public let sendCount: Int
    public private(set) var sent = 0
    public private(set) var received = 0
    public private(set) var mismatchAt: Int?
    public private(set) var peerFinished = false
    public private(set) var closedWith: TCPError?? = nil
    public var onProgress: (() -> Void)?
    public var onFinished: (() -> Void)?
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    /// Where received bytes are read to; apart from `chunk`, which may still hold unsent bytes.
    private var inbound = [UInt8](repeating: 0, count: 64 * 1024)
    private var expected = [UInt8](repeating: 0, count: 64 * 1024)
    /// The stream offsets `chunk` holds, filled and not yet all accepted by the connection.
    private var chunkStart = 0
    private var chunkEnd = 0
    private var shutdownSent = false

    public init(connection: TCPConnection, sendCount: Int, sendSeed: UInt64, receiveSeed: UInt64) {
        self.connection = connection
        self.sendCount = sendCount
        sendPattern = PatternStream(seed: sendSeed)
        receivePattern = PatternStream(seed: receiveSeed)
        connection.onEvent = { [unowned self] event in self.handle(event) }
        if connection.state == .established || connection.state == .closeWait { pump() }
    }

    public var isClosed: Bool { closedWith != nil }

    private func handle(_ event: TCPEvent) {
        switch event {
        case .connected, .writable: pump()
        case .readable: drain()
        case .endOfStream:
            drain()
            peerFinished = true
            finishIfDone()
        case let .closed(error):
            closedWith = .some(error)
            // Once: the callbacks go with it, since they usually hold this endpoint (a command's
            // progress line reads it), and a cycle kept every transfer's endpoint, connection and
            // queue storage alive for the life of the node (`nicbed soak` found it).
            let finished = onFinished
            onFinished = nil
            onProgress = nil
            finished?()
            return
        }
        onProgress?()
    }

    /// Sends as much of the pattern as the send buffer takes. The chunk is filled once and sent
    /// from until it is used up: a send buffer that takes one segment's worth per ACK must not
    /// make the sender generate 64 KiB for every 1448 bytes it accepts.
    private func pump() {
        while sent < sendCount {
            if sent >= chunkEnd {
                chunkStart = sent
                chunkEnd = sent + min(chunk.count, sendCount - sent)
                let length = chunkEnd - chunkStart
                chunk.withUnsafeMutableBytes { sendPattern.fill(UnsafeMutableRawBufferPointer(rebasing: $0[..<length]), offset: chunkStart) }
            }
            let pending = (sent - chunkStart)..<(chunkEnd - chunkStart)
            let accepted = chunk.withUnsafeBytes { connection.send(UnsafeRawBufferPointer(rebasing: $0[pending])) }
            sent += accepted
            if accepted < pending.count { return }
        }
        if !shutdownSent {
            shutdownSent = true
            connection.shutdown()
        }
        finishIfDone()
    }

    private func drain() {
        while true {
            let count = inbound.withUnsafeMutableBytes { connection.receive(into: $0) }
            if count == 0 { break }
            if mismatchAt == nil {
                mismatchAt = inbound.withUnsafeBytes { bytes in
                    expected.withUnsafeMutableBytes { scratch in
                        receivePattern.firstMismatch(in: UnsafeRawBufferPointer(rebasing: bytes[..<count]), offset: received, scratch: scratch)
                    }
                }
            }
            received += count
        }
    }

    private func finishIfDone() {
        if shutdownSent && peerFinished && connection.state != .closed && connection.availableBytes == 0 {
            connection.close()
        }
    }
}
