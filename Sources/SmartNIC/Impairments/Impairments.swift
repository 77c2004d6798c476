/// What one direction of a link does to frames, in the spirit of netem (ARCHITECTURE.md, "Topologies").
/// Probabilities are fractions (0.05 = 5 %).
public struct Impairments: Sendable, Equatable, Codable {
    public var delay: Duration = .zero
    /// Uniform extra delay in [0, jitter). Jitter can reorder frames, as it does in netem.
    public var jitter: Duration = .zero
    public var loss = 0.0
    /// Mean length, in frames, of a run of lost frames. 1 is independent (Bernoulli) loss;
    /// above 1 losses come in bursts (a Gilbert–Elliott chain) at the same average `loss`.
    public var lossBurst = 1.0
    public var duplicate = 0.0
    /// Fraction of frames sent ahead of the queue without the delay (netem's reorder).
    public var reorder = 0.0
    /// Fraction of frames with one random bit flipped.
    public var corrupt = 0.0
    /// Bits per second; nil for no limit.
    public var rate: Int? = nil
    /// Bytes that may wait for the rate limiter before frames are dropped at the tail.
    public var queueLimit = 256 * 1024

    public init(delay: Duration = .zero, jitter: Duration = .zero, loss: Double = 0, lossBurst: Double = 1, duplicate: Double = 0,
                reorder: Double = 0, corrupt: Double = 0, rate: Int? = nil, queueLimit: Int = 256 * 1024) {
        self.delay = delay
        self.jitter = jitter
        self.loss = loss
        self.lossBurst = lossBurst
        self.duplicate = duplicate
        self.reorder = reorder
        self.corrupt = corrupt
        self.rate = rate
        self.queueLimit = queueLimit
    }

    public static let none = Impairments()

    /// Whether it does anything at all (a port with none sends frames straight through).
    public var isNone: Bool { self == .none }
}
