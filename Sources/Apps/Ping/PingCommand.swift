import Foundation
import NetStack
import Wire

/// `ping [-c COUNT] [-i INTERVAL] [-s SIZE] [-W TIMEOUT] ADDRESS`, printing what iputils'
/// ping prints, so its output reads the same and scripts that parse it keep working.
enum PingCommand: NodeCommand {
    static let name = "ping"
    static let usage = "ping [-c COUNT] [-i INTERVAL_SECONDS] [-s PAYLOAD_BYTES] [-t TTL] [-W TIMEOUT_SECONDS] ADDRESS"

    struct Options: Equatable {
        var count = 4
        var interval: Duration = .seconds(1)
        var payloadSize = 56
        var timeToLive: UInt8?
        /// How long to wait after the last request. Longer than ARP's give-up time (three
        /// requests a second apart), so an absent neighbour is reported, as iputils does.
        var timeout: Duration = .seconds(4)
        var destination = IPv4Address.any
    }

    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var destination: IPv4Address?
        var index = 0
        func value(_ flag: String) -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-c":
                guard let text = value(argument), let count = Int(text), (1...1_000_000).contains(count) else {
                    return .failure(UsageError("-c needs a count from 1 to 1000000"))
                }
                options.count = count
            case "-i":
                guard let text = value(argument), let seconds = Double(text), seconds >= 0.001, seconds <= 3600 else {
                    return .failure(UsageError("-i needs an interval in seconds from 0.001 to 3600"))
                }
                options.interval = .nanoseconds(Int64(seconds * 1e9))
            case "-s":
                guard let text = value(argument), let size = Int(text), (0...65_507).contains(size) else {
                    return .failure(UsageError("-s needs a payload size from 0 to 65507 bytes (more than 1472 leaves in fragments)"))
                }
                options.payloadSize = size
            case "-t":
                guard let text = value(argument), let ttl = UInt8(text), ttl >= 1 else {
                    return .failure(UsageError("-t needs a time to live from 1 to 255"))
                }
                options.timeToLive = ttl
            case "-W":
                guard let text = value(argument), let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                    return .failure(UsageError("-W needs a timeout in seconds (0 < W <= 3600)"))
                }
                options.timeout = .nanoseconds(Int64(seconds * 1e9))
            default:
                guard destination == nil, !argument.hasPrefix("-") else {
                    return .failure(UsageError("unexpected argument '\(argument)'"))
                }
                guard let address = IPv4Address(argument) else {
                    return .failure(UsageError("'\(argument)' is not an IPv4 address (names are not resolved inside nodes)"))
                }
                destination = address
            }
            index += 1
        }
        guard let destination else { return .failure(UsageError("missing the address to ping")) }
        options.destination = destination
        return .success(options)
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        let options: Options
        switch parse(arguments) {
        case let .success(parsed): options = parsed
        case let .failure(error):
            context.printError("ping: \(error.message)")
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        let session = PingSession(stack: context.stack, timers: context.timers, destination: options.destination,
                                  count: options.count, interval: options.interval, timeout: options.timeout,
                                  payloadSize: options.payloadSize, timeToLive: options.timeToLive) { event in
            switch event {
            case let .started(destination, size):
                context.print("PING \(destination) (\(destination)) \(size)(\(size + 28)) bytes of data.")
            case let .reply(from, sequence, ttl, bytes, rtt):
                context.print("\(bytes) bytes from \(from): icmp_seq=\(sequence) ttl=\(ttl) time=\(format(rtt.milliseconds)) ms")
            case let .error(from, sequence, message):
                context.print("From \(from) icmp_seq=\(sequence) \(message)")
            case let .sendFailed(sequence, message):
                context.print("ping: icmp_seq=\(sequence): \(message)")
            case let .finished(summary):
                for line in summaryLines(summary) { context.print(line) }
                context.exit(summary.received > 0 ? 0 : 1)
            }
        }
        context.onCancel = { [weak session] in session?.cancel() }
    }

    static func summaryLines(_ summary: PingSummary) -> [String] {
        var lines = ["", "--- \(summary.destination) ping statistics ---"]
        var counts = "\(summary.transmitted) packets transmitted, \(summary.received) received"
        if summary.errors > 0 { counts += ", +\(summary.errors) errors" }
        counts += ", \(formatPercent(summary.lossPercent))% packet loss, time \(Int(summary.elapsed.milliseconds.rounded()))ms"
        lines.append(counts)
        if let minimum = summary.minimum, let average = summary.average, let maximum = summary.maximum {
            lines.append("rtt min/avg/max/mdev = \(format(minimum.milliseconds))/\(format(average.milliseconds))/\(format(maximum.milliseconds))/\(format(summary.meanDeviationMilliseconds)) ms")
        }
        return lines
    }

    static func format(_ milliseconds: Double) -> String {
        let thousandths = Int((milliseconds * 1000).rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    static func formatPercent(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

struct UsageError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
