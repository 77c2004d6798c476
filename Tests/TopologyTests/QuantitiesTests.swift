import Testing
import Topology

/// The quantity syntax the file and the CLI share, read and written back.
@Suite struct QuantitiesTests {
    @Test(arguments: [
        ("20ms", Duration.milliseconds(20)),
        ("1.5ms", .microseconds(1500)),
        ("500us", .microseconds(500)),
        ("500µs", .microseconds(500)),
        ("1s", .seconds(1)),
        ("0.25s", .milliseconds(250)),
        ("100ns", .nanoseconds(100)),
        ("0", .zero),
        ("0ms", .zero),
        ("007ms", .milliseconds(7)),
    ])
    func durations(text: String, duration: Duration) throws {
        #expect(try Quantity.duration(text) == duration)
    }

    @Test(arguments: [
        ("20", "'20' has no unit"),
        ("20 ms", "'20 ms' is not a duration"),
        ("20MS", "'20MS' is not a duration"),
        ("2min", "'2min' is not a duration"),
        ("-5ms", "'-5ms' is not a duration"),
        (".5ms", "'.5ms' is not a duration"),
        ("1.ms", "'1.ms' is not a duration"),
        ("1e3ms", "'1e3ms' is not a duration"),
        ("1.5ns", "'1.5ns' is finer than a nanosecond"),
        ("ms", "'ms' is not a duration"),
    ])
    func notDurations(text: String, problem: String) {
        #expect(throws: QuantityError.self) { try Quantity.duration(text) }
        do {
            _ = try Quantity.duration(text)
        } catch {
            #expect(error.problem == problem)
            #expect(error.description == "\(problem); accepted: \(Quantity.durationAccepted)")
        }
    }

    @Test(arguments: [("5%", 0.05), ("0.5%", 0.005), ("100%", 1.0), ("0%", 0.0), ("0", 0.0), ("12.25%", 0.1225)])
    func percentages(text: String, fraction: Double) throws {
        #expect(abs(try Quantity.fraction(percentage: text) - fraction) < 1e-12)
    }

    @Test(arguments: [("5", "has no % sign"), ("0.05", "has no % sign"), ("150%", "is more than 100%"),
                      ("100.01%", "is more than 100%"), ("5 %", "is not a percentage"), ("-1%", "is not a percentage"),
                      ("five%", "is not a percentage"), ("%", "is not a percentage")])
    func notPercentages(text: String, problem: String) {
        do {
            let fraction = try Quantity.fraction(percentage: text)
            Issue.record("'\(text)' was read as \(fraction)")
        } catch {
            #expect(error.problem == "'\(text)' \(problem)")
            #expect(error.accepted == Quantity.percentageAccepted)
        }
    }

    @Test(arguments: [("50Mbit", 50_000_000), ("1Gbit", 1_000_000_000), ("100kbit", 100_000), ("9600bit", 9600),
                      ("1.5Mbit", 1_500_000), ("2Tbit", 2_000_000_000_000)])
    func bitRates(text: String, bits: Int) throws {
        #expect(try Quantity.bitRate(text) == bits)
    }

    @Test(arguments: ["none", "0", "0Mbit"])
    func noLimit(text: String) throws {
        #expect(try Quantity.bitRate(text) == nil)
    }

    @Test(arguments: [("50", "has no unit"), ("50Mbps", "is not a bit rate"), ("50mbit", "is not a bit rate"),
                      ("50 Mbit", "is not a bit rate"), ("50MB/s", "is not a bit rate"),
                      ("1.5bit", "is not a whole number of bits per second"),
                      ("99999999999Tbit", "is too large")])
    func notBitRates(text: String, problem: String) {
        do {
            let rate = try Quantity.bitRate(text)
            Issue.record("'\(text)' was read as \(String(describing: rate))")
        } catch {
            #expect(error.problem == "'\(text)' \(problem)")
            #expect(error.accepted == Quantity.bitRateAccepted)
        }
    }

    @Test(arguments: [("256KiB", 256 << 10), ("1M", 1_000_000), ("100000", 100_000), ("2GiB", 2 << 30)])
    func byteSizes(text: String, bytes: Int) throws {
        #expect(try Quantity.byteSize(text) == bytes)
    }

    @Test func notByteSizes() {
        #expect(throws: QuantityError.self) { try Quantity.byteSize("16MB") }
        do { _ = try Quantity.byteSize("-1KiB") } catch { #expect(error.problem == "'-1KiB' is out of range") }
        do { _ = try Quantity.byteSize("lots") } catch {
            #expect(error.description == "'lots' is not a byte size; accepted: \(Quantity.byteSizeAccepted)")
        }
    }

    @Test func writtenBackInTheFormTheyAreRead() throws {
        #expect(Quantity.describe(Duration.milliseconds(20)) == "20ms")
        #expect(Quantity.describe(Duration.microseconds(1500)) == "1.5ms")
        #expect(Quantity.describe(Duration.microseconds(500)) == "500us")
        #expect(Quantity.describe(Duration.seconds(1)) == "1s")
        #expect(Quantity.describe(Duration.zero) == "0")
        #expect(Quantity.describe(fraction: 0.05) == "5%")
        #expect(Quantity.describe(fraction: 0.005) == "0.5%")
        #expect(Quantity.describe(fraction: 0) == "0%")
        #expect(Quantity.describe(bitRate: 50_000_000) == "50Mbit")
        #expect(Quantity.describe(bitRate: 1_500_000_000) == "1.5Gbit")
        #expect(Quantity.describe(bitRate: 9600) == "9.6kbit")
        #expect(Quantity.describe(bitRate: 999) == "999bit")
        #expect(Quantity.describe(bitRate: nil) == "none")
        #expect(Quantity.describe(bytes: 256 << 10) == "256KiB")
        #expect(Quantity.describe(bytes: 1000) == "1000")
        #expect(Quantity.describe(number: 2.5) == "2.5")
        for text in ["20ms", "1.5ms", "500us", "1s", "1.000001s", "7ns"] {
            #expect(Quantity.describe(try Quantity.duration(text)) == text)
        }
        for text in ["50Mbit", "1Gbit", "100kbit", "9.6kbit", "1.234567Mbit"] {
            #expect(Quantity.describe(bitRate: try Quantity.bitRate(text)) == text)
        }
        for text in ["5%", "0.5%", "100%", "0.0001%"] {
            #expect(Quantity.describe(fraction: try Quantity.fraction(percentage: text)) == text)
        }
    }
}
