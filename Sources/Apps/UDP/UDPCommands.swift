import Foundation
import NetStack
import Wire

/// `udp-send [-p PORT] [-b RATE] [-l LENGTH] [-t SECONDS | -n COUNT] [--no-df] ADDRESS`:
/// probes at a steady rate to a `udp-recv`, as `iperf3 -u -c` sends them.
enum UDPSendCommand: NodeCommand {
    static let name = "udp-send"
    static let usage = "udp-send [-p PORT] [-b RATE_BITS_PER_SECOND] [-l LENGTH] [-t SECONDS | -n COUNT] [--no-df] ADDRESS"
        + "  (defaults: port 5201, 1M, 1400 bytes, 10 s; RATE takes k, M, G)"

    static func parse(_ arguments: [String]) -> Result<UDPSender.Options, UsageError> {
        var destination: IPv4Address?
        var port: UInt16 = 5201, rate = 1_000_000, length = 1400, seconds = 10.0
        var count: Int?, dontFragment = true
        var index = 0
        func value() -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            switch arguments[index] {
            case "-p", "--port":
                guard let text = value(), let parsed = UInt16(text), parsed > 0 else { return .failure(UsageError("--port needs a port from 1 to 65535")) }
                port = parsed
            case "-b", "--bitrate":
                guard let text = value(), let parsed = BitRate.parse(text), parsed > 0 else {
                    return .failure(UsageError("--bitrate needs a rate in bits per second such as 500k, 10M or 1G"))
                }
                rate = parsed
            case "-l", "--length":
                guard let text = value(), let parsed = Int(text), (UDPProbe.length...UDPSocket.maximumPayload).contains(parsed) else {
                    return .failure(UsageError("--length needs a datagram payload from \(UDPProbe.length) to \(UDPSocket.maximumPayload) bytes"))
                }
                length = parsed
            case "-t", "--time":
                guard let text = value(), let parsed = Double(text), parsed > 0, parsed <= 86_400 else {
                    return .failure(UsageError("--time needs seconds from 0.001 to 86400"))
                }
                seconds = parsed
            case "-n", "--count":
                guard let text = value(), let parsed = Int(text), parsed > 0 else { return .failure(UsageError("--count needs a number of datagrams")) }
                count = parsed
            case "--no-df":
                dontFragment = false
            case let argument where !argument.hasPrefix("-") && destination == nil:
                guard let address = IPv4Address(argument) else { return .failure(UsageError("'\(argument)' is not an IPv4 address")) }
                destination = address
            case let argument:
                return .failure(UsageError("unexpected argument '\(argument)'"))
            }
            index += 1
        }
        guard let destination else { return .failure(UsageError("missing the address to send to")) }
        var options = UDPSender.Options(destination: destination)
        options.port = port
        options.bitsPerSecond = rate
        options.length = length
        options.duration = .nanoseconds(Int64(seconds * 1e9))
        options.count = count
        options.dontFragment = dontFragment
        return .success(options)
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        let options: UDPSender.Options
        switch parse(arguments) {
        case let .success(parsed): options = parsed
        case let .failure(error):
            context.printError("udp-send: \(error.message)\nusage: \(usage)")
            context.exit(2)
            return
        }
        let what = options.count.map { "\($0) datagrams" } ?? "for \(String(format: "%g", Double(options.duration.nanosecondsValue) / 1e9)) s"
        context.print("sending \(options.length)-byte datagrams to \(options.destination):\(options.port) at \(BitRate.format(options.bitsPerSecond)), \(what)")
        var errors = 0
        var sender: UDPSender?
        do {
            sender = try UDPSender(stack: context.stack, timers: context.timers, options: options) { event in
                switch event {
                case let .icmpError(failure):
                    errors += 1
                    // The first few say what happened; the count says how often.
                    if errors <= 3 { context.printError("udp-send: \(failure.error) from \(failure.reporter)") }
                case let .finished(sent, refused):
                    let elapsed = context.stack.now.since(sender?.startedAt ?? context.stack.now)
                    let left = sent - refused
                    var line = "sent \(left) datagrams (\(ByteCount.format(left * options.length))) in \(String(format: "%.3f", elapsed.milliseconds / 1000)) s, \(ByteCount.rate(bytes: left * options.length, over: elapsed))"
                    if refused > 0 { line += ", \(refused) refused by the stack (\(sender?.firstRefusal.map { "\($0)" } ?? "?"))" }
                    if errors > 0 { line += ", \(errors) ICMP errors" }
                    context.print(line)
                    sender?.stop()
                    // The sender holds this handler, which holds the sender: let it go.
                    sender = nil
                    context.exit(refused == 0 ? 0 : 1)
                }
            }
        } catch {
            context.printError("udp-send: \(error)")
            context.exit(1)
            return
        }
        context.onCancel = {
            sender?.stop()
            sender = nil
        }
    }
}

/// `udp-recv [-p PORT] [--idle SECONDS]`: receives one `udp-send` run and reports loss,
/// duplicates, reordering and jitter as iperf3 -u's server does.
enum UDPReceiveCommand: NodeCommand {
    static let name = "udp-recv"
    static let usage = "udp-recv [-p PORT] [--idle SECONDS]  (defaults: port 5201; ends at the sender's end marker or after 5 s without datagrams)"

    static func run(_ arguments: [String], in context: CommandContext) {
        var port: UInt16 = 5201, idle = 5.0
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : nil
            switch argument {
            case "-p", "--port":
                guard let text = value, let parsed = UInt16(text), parsed > 0 else { return usageError("--port needs a port from 1 to 65535", context) }
                port = parsed
            case "--idle":
                guard let text = value, let parsed = Double(text), parsed > 0, parsed <= 3600 else {
                    return usageError("--idle needs seconds from 0.001 to 3600", context)
                }
                idle = parsed
            default:
                return usageError("unexpected argument '\(argument)'", context)
            }
            index += 2
        }
        let receiver: UDPReceiver
        do {
            receiver = try UDPReceiver(stack: context.stack, timers: context.timers, port: port,
                                       idleTimeout: .nanoseconds(Int64(idle * 1e9)))
        } catch {
            context.printError("udp-recv: \(error)")
            context.exit(1)
            return
        }
        context.print("listening on UDP port \(port)")
        receiver.onProgress = {
            let statistics = receiver.statistics
            context.print("  received \(statistics.received) datagrams, \(statistics.lost) lost so far, jitter \(String(format: "%.3f", statistics.jitterMilliseconds)) ms")
        }
        receiver.onDone = {
            let statistics = receiver.statistics
            var line = "udp-recv: \(statistics.summary)"
            if let first = statistics.firstArrival, let last = statistics.lastArrival {
                line += ", \(ByteCount.rate(bytes: statistics.bytes, over: last.since(first)))"
            }
            if receiver.foreign > 0 { line += ", \(receiver.foreign) datagrams that were not probes" }
            context.print(line)
            context.exit(statistics.expected > 0 ? 0 : 1)
        }
        context.onCancel = { receiver.onDone = nil; receiver.stop() }
    }

    private static func usageError(_ message: String, _ context: CommandContext) {
        context.printError("udp-recv: \(message)\nusage: \(usage)")
        context.exit(2)
    }
}

/// Rates as iperf3 takes them: bits per second, with k, M and G as powers of 1000.
enum BitRate {
    static func parse(_ text: String) -> Int? {
        let units: [(String, Double)] = [("k", 1e3), ("K", 1e3), ("m", 1e6), ("M", 1e6), ("g", 1e9), ("G", 1e9)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast()), value > 0, value * factor < 1e12 else { return nil }
            return Int(value * factor)
        }
        return Int(text)
    }

    static func format(_ bitsPerSecond: Int) -> String {
        if bitsPerSecond >= 1_000_000 { return String(format: "%g Mbit/s", Double(bitsPerSecond) / 1e6) }
        if bitsPerSecond >= 1_000 { return String(format: "%g kbit/s", Double(bitsPerSecond) / 1e3) }
        return "\(bitsPerSecond) bit/s"
    }
}
