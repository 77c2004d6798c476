import SmartNIC

/// The settable fields of `Impairments`, by the names a topology's link and the CLI
/// (`nicbed link set h1:eth0 loss 5%`) use, each with the one rule for its text. The topology
/// parser reads link fields through this too, so a value the file accepts is a value the CLI
/// accepts, with the same words when it is not.
public enum ImpairmentField: String, CaseIterable, Sendable {
    case delay, jitter, loss, burst, duplicate, reorder, corrupt, rate, queue

    /// Delay and jitter are held in a timer queue; a minute of it at line rate is already
    /// gigabytes waiting, so more is surely a typo for a smaller unit.
    public static let durationRange: ClosedRange<Duration> = .zero ... .seconds(60)
    /// A queue must hold at least one minimum Ethernet frame; a gibibyte waiting behind a
    /// rate limiter is minutes of delay at typical emulated rates.
    public static let queueRange = 64...(1 << 30)
    /// Up to 1 Tbit/s: beyond what a process can push, and far from overflow in the limiter.
    public static let rateRange = 1...1_000_000_000_000

    /// What the field's text may be, as error messages and help text say it.
    public var accepted: String {
        switch self {
        case .delay: "a duration up to 60s: \(Quantity.durationAccepted)"
        case .jitter: "a duration up to 60s (uniform extra delay in [0, jitter)): \(Quantity.durationAccepted)"
        case .loss: "the share of frames lost, \(Quantity.percentageAccepted)"
        case .burst: "a number ≥ 1, the mean length of a run of lost frames (1 is independent loss), e.g. 3"
        case .duplicate: "the share of frames sent twice, \(Quantity.percentageAccepted)"
        case .reorder: "the share of frames sent ahead without the delay, \(Quantity.percentageAccepted)"
        case .corrupt: "the share of frames with one bit flipped, \(Quantity.percentageAccepted)"
        case .rate: "\(Quantity.bitRateAccepted); at most 1Tbit"
        case .queue: "a byte size from 64 to 1GiB (bytes that may wait for the rate limiter before frames are dropped): \(Quantity.byteSizeAccepted)"
        }
    }

    /// Every field with what it accepts, for an unknown field name and for help text.
    public static var summary: String {
        allCases.map { "\($0.rawValue) (\($0.accepted))" }.joined(separator: "; ")
    }

    /// Sets the field named `field` from `value`, e.g. `("loss", "5%")`. `rate none` and
    /// `rate 0` remove the limit.
    public static func set(_ field: String, to value: String,
                           in impairments: inout Impairments) throws(ImpairmentSettingError) {
        guard let known = ImpairmentField(rawValue: field) else {
            throw ImpairmentSettingError(field: field, value: value, problem: "'\(field)' is not an impairment field",
                                         accepted: summary)
        }
        try known.set(value, in: &impairments)
    }

    /// Sets this field from `value`, leaving every other field as it was.
    public func set(_ value: String, in impairments: inout Impairments) throws(ImpairmentSettingError) {
        try change(value).apply(&impairments)
    }

    /// The field's current value, written as `set` reads it (`20ms`, `5%`, `50Mbit`, `none`).
    public func value(in impairments: Impairments) -> String {
        switch self {
        case .delay: Quantity.describe(impairments.delay)
        case .jitter: Quantity.describe(impairments.jitter)
        case .loss: Quantity.describe(fraction: impairments.loss)
        case .burst: Quantity.describe(number: impairments.lossBurst)
        case .duplicate: Quantity.describe(fraction: impairments.duplicate)
        case .reorder: Quantity.describe(fraction: impairments.reorder)
        case .corrupt: Quantity.describe(fraction: impairments.corrupt)
        case .rate: Quantity.describe(bitRate: impairments.rate)
        case .queue: Quantity.describe(bytes: impairments.queueLimit)
        }
    }

    /// A checked value, ready to be laid over any `Impairments`: the topology keeps these
    /// until a link's defaults, own fields and per-direction fields have been combined.
    struct Change {
        var field: ImpairmentField
        var apply: @Sendable (inout Impairments) -> Void
    }

    func change(_ text: String) throws(ImpairmentSettingError) -> Change {
        func failure(_ error: QuantityError) -> ImpairmentSettingError {
            ImpairmentSettingError(field: rawValue, value: text, problem: error.problem, accepted: accepted)
        }
        func failure(_ problem: String) -> ImpairmentSettingError {
            ImpairmentSettingError(field: rawValue, value: text, problem: "'\(text)' \(problem)", accepted: accepted)
        }
        do {
            switch self {
            case .delay, .jitter:
                let duration = try Quantity.duration(text)
                guard Self.durationRange.contains(duration) else { throw failure("is longer than 60s") }
                return self == .delay ? Change(field: self) { $0.delay = duration }
                                      : Change(field: self) { $0.jitter = duration }
            case .loss, .duplicate, .reorder, .corrupt:
                let fraction = try Quantity.fraction(percentage: text)
                switch self {
                case .loss: return Change(field: self) { $0.loss = fraction }
                case .duplicate: return Change(field: self) { $0.duplicate = fraction }
                case .reorder: return Change(field: self) { $0.reorder = fraction }
                default: return Change(field: self) { $0.corrupt = fraction }
                }
            case .burst:
                let burst = try Quantity.number(text)
                guard burst >= 1 else { throw failure("is less than 1") }
                return Change(field: self) { $0.lossBurst = burst }
            case .rate:
                let rate = try Quantity.bitRate(text)
                if let rate, !Self.rateRange.contains(rate) { throw failure("is more than 1Tbit") }
                return Change(field: self) { $0.rate = rate }
            case .queue:
                let bytes = try Quantity.byteSize(text)
                guard Self.queueRange.contains(bytes) else {
                    throw failure("\(text == String(bytes) ? "" : "(\(bytes) bytes) ")is out of range")
                }
                return Change(field: self) { $0.queueLimit = bytes }
            }
        } catch let error as QuantityError {
            throw failure(error)
        } catch let error as ImpairmentSettingError {
            throw error
        } catch {
            throw failure("cannot be read")
        }
    }
}

extension Impairments {
    /// These impairments with one field set from text, e.g. `applying(field: "loss", value: "5%")`.
    public func applying(field: String, value: String) throws(ImpairmentSettingError) -> Impairments {
        var result = self
        try ImpairmentField.set(field, to: value, in: &result)
        return result
    }
}

/// A field name or value `ImpairmentField` cannot take, saying what it would.
public struct ImpairmentSettingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The field as given, known or not.
    public var field: String
    public var value: String
    /// What is wrong, e.g. `'5' has no % sign` or `'lag' is not an impairment field`.
    public var problem: String
    /// For a known field, what it accepts; for an unknown one, every field and what each accepts.
    public var accepted: String

    public var description: String { "\(field): \(problem); accepted: \(accepted)" }
}
