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
    private var expected = [UInt8](repeating: 0, count: 64 * 1024)
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
            onFinished?()
        }
        onProgress?()
    }

    /// Sends as much of the pattern as the send buffer takes.
    private func pump() {
        while sent < sendCount {
            let length = min(chunk.count, sendCount - sent)
            let accepted = chunk.withUnsafeMutableBytes { buffer -> Int in
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[..<length])
                sendPattern.fill(slice, offset: sent)
                return connection.send(UnsafeRawBufferPointer(slice))
            }
            sent += accepted
            if accepted < length { return }
        }
        if !shutdownSent {
            shutdownSent = true
            connection.shutdown()
        }
        finishIfDone()
    }

    private func drain() {
        while true {
            let count = chunk.withUnsafeMutableBytes { connection.receive(into: $0) }
            if count == 0 { break }
            if mismatchAt == nil {
                mismatchAt = chunk.withUnsafeBytes { bytes in
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
