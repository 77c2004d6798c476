/// What one batched send of the transmit ring managed: how many frames left, in order, and
/// whether the rest met a full socket buffer. A full buffer stops the port's queue, as a real
/// card's full ring stops its queue: the frames wait in the ring and the stack holds back;
/// they are not lost. Any other refusal is a drop (`droppedOnSend`).
public struct BatchSendResult: Equatable, Sendable {
    public var sent: Int
    public var queueFull: Bool

    public init(sent: Int, queueFull: Bool = false) {
        self.sent = sent
        self.queueFull = queueFull
    }
}
