import Wire

/// The quantities a topology file and the CLI write the same way: durations (`20ms`),
/// percentages (`5%`), bit rates (`50Mbit`) and byte sizes (`256KiB`).
///
/// Public because `nicbed link set h1:eth0 loss 5%` must accept exactly what a file accepts;
/// one parser means one set of rules and one wording for mistakes. Each function checks the
/// syntax and what the unit itself implies (a percentage is at most 100%); ranges that depend
/// on the use (delay up to 60s) belong to the caller, e.g. `ImpairmentField`.
public enum Quantity {
    public static let durationAccepted = "a decimal number followed by s, ms, us (or µs) or ns, e.g. 20ms, 1.5ms, 500us, 1s; or 0"
    public static let percentageAccepted = "a percentage from 0% to 100%, e.g. 5% or 0.5%; or 0"
    public static let bitRateAccepted = "a decimal number followed by bit, kbit, Mbit, Gbit or Tbit (bits per second, powers of 1000), e.g. 50Mbit, 1Gbit, 100kbit, 9600bit; or none or 0 for no limit"
    public static let byteSizeAccepted = ByteSize.accepted
    public static let numberAccepted = "a decimal number, e.g. 3 or 2.5"

    /// `20ms`, `1.5ms`, `500us`, `1s`, `0`. A bare number other than 0 is refused: `20`
    /// could be seconds or milliseconds, and guessing wrong is a silent factor of 1000.
    public static func duration(_ text: String) throws(QuantityError) -> Duration {
        if text == "0" { return .zero }
        let units: [(suffix: String, nanoseconds: Int)] = [
            ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
        ]
        // "ms", "us" and "ns" end in "s" too, so the longer suffixes are tried first.
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else {
            throw QuantityError(text: text, problem: isDecimal(text) ? "has no unit" : "is not a duration",
                                accepted: durationAccepted)
        }
        let number = text.dropLast(unit.suffix.count)
        guard let decimal = DecimalText(number) else {
            throw QuantityError(text: text, problem: "is not a duration", accepted: durationAccepted)
        }
        switch decimal.scaled(by: unit.nanoseconds) {
        case .exact(let nanoseconds): return .nanoseconds(Int64(nanoseconds))
        case .inexact: throw QuantityError(text: text, problem: "is finer than a nanosecond", accepted: durationAccepted)
        case .tooLarge: throw QuantityError(text: text, problem: "is too long", accepted: durationAccepted)
        }
    }

    /// `5%` is 0.05. The sign is required (except for 0) because `0.05` could mean 5% or
    /// 0.05%, and netem and iperf disagree about which.
    public static func fraction(percentage text: String) throws(QuantityError) -> Double {
        if text == "0" { return 0 }
        guard text.hasSuffix("%") else {
            throw QuantityError(text: text, problem: isDecimal(text) ? "has no % sign" : "is not a percentage",
                                accepted: percentageAccepted)
        }
        guard let decimal = DecimalText(text.dropLast()) else {
            throw QuantityError(text: text, problem: "is not a percentage", accepted: percentageAccepted)
        }
        guard decimal.value <= 100 else {
            throw QuantityError(text: text, problem: "is more than 100%", accepted: percentageAccepted)
        }
        return decimal.value(over: 100)
    }

    /// Bits per second, decimal units as in tc; nil for `none` or `0`, which mean no limit.
    /// Bytes per second (`MB/s`, tc's `mbps`) are refused rather than converted: tc reads
    /// `mbps` as megabytes, most people as megabits.
    public static func bitRate(_ text: String) throws(QuantityError) -> Int? {
        if text == "0" || text == "none" { return nil }
        let units: [(suffix: String, bits: Int)] = [
            ("kbit", 1_000), ("Mbit", 1_000_000), ("Gbit", 1_000_000_000), ("Tbit", 1_000_000_000_000), ("bit", 1),
        ]
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }) else {
            throw QuantityError(text: text, problem: isDecimal(text) ? "has no unit" : "is not a bit rate",
                                accepted: bitRateAccepted)
        }
        guard let decimal = DecimalText(text.dropLast(unit.suffix.count)) else {
            throw QuantityError(text: text, problem: "is not a bit rate", accepted: bitRateAccepted)
        }
        switch decimal.scaled(by: unit.bits) {
        case .exact(let bits): return bits == 0 ? nil : bits
        case .inexact: throw QuantityError(text: text, problem: "is not a whole number of bits per second", accepted: bitRateAccepted)
        case .tooLarge: throw QuantityError(text: text, problem: "is too large", accepted: bitRateAccepted)
        }
    }

    /// `65536`, `64KiB`, `16MiB`, `4GiB` (powers of 1024), `100k`, `3M`, `2G` (powers of
    /// 1000): what `nic.card_memory` accepts.
    public static func byteSize(_ text: String) throws(QuantityError) -> Int {
        switch ByteSize.read(text) {
        case .bytes(let bytes): return bytes
        case .outOfRange: throw QuantityError(text: text, problem: "is out of range", accepted: byteSizeAccepted)
        case .notASize: throw QuantityError(text: text, problem: "is not a byte size", accepted: byteSizeAccepted)
        }
    }

    /// A plain non-negative decimal number, e.g. a mean loss-run length.
    public static func number(_ text: String) throws(QuantityError) -> Double {
        guard let decimal = DecimalText(Substring(text)) else {
            throw QuantityError(text: text, problem: "is not a number", accepted: numberAccepted)
        }
        return decimal.value
    }

    // MARK: Writing them back, in the form the parsers read

    /// `20ms`, `1.5ms`, `500us`, `0`: the largest unit that leaves a number of at least 1.
    public static func describe(_ duration: Duration) -> String {
        let nanoseconds = Int(duration.nanosecondsValue)
        guard nanoseconds > 0 else { return "0" }
        let units: [(String, Int)] = [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)]
        let (suffix, size) = units.first { nanoseconds >= $0.1 } ?? ("ns", 1)
        return decimalText(nanoseconds, over: size) + suffix
    }

    /// `5%`, `0.5%`; rounded to 0.0001%, finer than any loss rate a run can measure.
    public static func describe(fraction: Double) -> String {
        let tenThousandths = Int((fraction * 100 * 10_000).rounded())
        return decimalText(tenThousandths, over: 10_000) + "%"
    }

    /// `50Mbit`, `1.5Gbit`, `9600bit`; `none` for no limit.
    public static func describe(bitRate: Int?) -> String {
        guard let bits = bitRate, bits > 0 else { return "none" }
        let units: [(String, Int)] = [("Tbit", 1_000_000_000_000), ("Gbit", 1_000_000_000), ("Mbit", 1_000_000), ("kbit", 1_000)]
        let (suffix, size) = units.first { bits >= $0.1 } ?? ("bit", 1)
        return decimalText(bits, over: size) + suffix
    }

    /// `256KiB`, or plain bytes when no binary unit divides it.
    public static func describe(bytes: Int) -> String { ByteSize.describe(bytes) }

    /// A mean loss-run length and the like: `3`, `2.5`.
    public static func describe(number: Double) -> String {
        decimalText(Int((number * 10_000).rounded()), over: 10_000)
    }

    /// `value / divisor` written exactly, without trailing zeros: (1500, 1000) is `1.5`.
    private static func decimalText(_ value: Int, over divisor: Int) -> String {
        let whole = value / divisor
        var remainder = value % divisor
        guard remainder != 0 else { return "\(whole)" }
        var digits = ""
        var place = divisor
        while remainder != 0 && place > 1 {
            place /= 10
            digits += "\(remainder / place)"
            remainder %= place
        }
        return "\(whole).\(digits)"
    }

    private static func isDecimal(_ text: String) -> Bool { DecimalText(Substring(text)) != nil }
}

/// A quantity that could not be read, with what would have been accepted.
public struct QuantityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What is wrong with it, e.g. `'20' has no unit`.
    public var problem: String
    public var accepted: String

    init(text: String, problem: String, accepted: String) {
        self.text = text
        self.problem = "'\(text)' \(problem)"
        self.accepted = accepted
    }

    public var description: String { "\(problem); accepted: \(accepted)" }
}

/// A non-negative decimal as written, `digits × 10^-scale`, kept exact so that `1.5ms` is
/// exactly 1,500,000 ns rather than whatever a Double makes of it.
struct DecimalText {
    var digits: Int
    var scale: Int

    /// Digits, optionally a point and more digits; no sign, no exponent, no bare point.
    /// At most 18 significant digits, which an `Int` holds whatever they are.
    init?(_ text: Substring) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } })
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        let all = (parts[0] + fraction).drop { $0 == "0" }
        guard all.count <= 18 else { return nil }
        digits = Int(all) ?? 0
        scale = fraction.count
    }

    enum Scaled { case exact(Int), inexact, tooLarge }

    /// The number times `unit`, if that is a whole number that fits in an `Int`.
    func scaled(by unit: Int) -> Scaled {
        var value = digits
        var scale = self.scale
        var unit = unit
        // Cancel powers of ten between the unit and the scale before multiplying, so that
        // `0.000001s` needs no intermediate larger than the result.
        while scale > 0 && unit % 10 == 0 { unit /= 10; scale -= 1 }
        while scale > 0 {
            guard value % 10 == 0 else { return .inexact }
            value /= 10
            scale -= 1
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: unit)
        return overflow ? .tooLarge : .exact(product)
    }

    var value: Double { value(over: 1) }

    /// The number divided by `divisor`, in one rounding (`5%` is 5 / 100, exactly the Double
    /// nearest 0.05), since each further division by 10 would add an error of its own.
    func value(over divisor: Double) -> Double {
        var power = divisor
        for _ in 0..<scale { power *= 10 }
        return Double(digits) / power
    }
}

/// Byte sizes as a topology writes them: `65536`, `64KiB`, `16MiB`, `4GiB` (powers of 1024),
/// or `100k`, `100K`, `3M`, `2G` (powers of 1000).
enum ByteSize {
    static let suffixes: [(suffix: String, multiplier: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
        ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000),
    ]

    static let accepted = "a plain integer number of bytes, or an integer followed by KiB, MiB, GiB (powers of 1024) or k, K, M, G (powers of 1000), e.g. 16MiB"

    enum Reading: Equatable {
        case bytes(Int)
        /// Written as a size, but negative or too large for an `Int`.
        case outOfRange
        case notASize
    }

    static func read(_ text: String) -> Reading {
        var digits = Substring(text)
        var multiplier = 1
        if let unit = suffixes.first(where: { text.hasSuffix($0.suffix) }) {
            digits = digits.dropLast(unit.suffix.count)
            multiplier = unit.multiplier
        }
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return .notASize
        }
        guard !negative, let count = Int(digits) else { return .outOfRange }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        return overflow ? .outOfRange : .bytes(bytes)
    }

    /// `bytes` in the largest binary unit that divides it exactly: 65536 is `64KiB`.
    static func describe(_ bytes: Int) -> String {
        for (suffix, multiplier) in suffixes.prefix(3).reversed()
        where bytes != 0 && bytes % multiplier == 0 {
            return "\(bytes / multiplier)\(suffix)"
        }
        return "\(bytes)"
    }
}
