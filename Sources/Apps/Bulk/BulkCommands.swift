import Foundation
import NetStack
import Wire

/// Options shared by `tcp-send` and `tcp-recv`.
struct BulkOptions {
    var port: UInt16 = 5001
    var seed: UInt64 = 1
    var bytes = 10_000_000
    var address: IPv4Address?

    static func parse(_ arguments: [String], needsAddress: Bool) -> Result<BulkOptions, UsageError> {
        var options = BulkOptions()
        var index = 0
        func value() -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            switch arguments[index] {
            case "-p", "--port":
                guard let text = value(), let port = UInt16(text), port > 0 else { return .failure(UsageError("--port needs a port from 1 to 65535")) }
                options.port = port
            case "--seed":
                guard let text = value(), let seed = UInt64(text) else { return .failure(UsageError("--seed needs a number")) }
                options.seed = seed
            case "-n", "--bytes":
                guard let text = value(), let bytes = ByteCount.parse(text) else {
                    return .failure(UsageError("--bytes needs a size such as 1500, 50M or 256MiB"))
                }
                options.bytes = bytes
            case let argument where !argument.hasPrefix("-") && needsAddress && options.address == nil:
                guard let address = IPv4Address(argument) else { return .failure(UsageError("'\(argument)' is not an IPv4 address")) }
                options.address = address
            case let argument:
                return .failure(UsageError("unexpected argument '\(argument)'"))
            }
            index += 1
        }
        if needsAddress && options.address == nil { return .failure(UsageError("missing the address to send to")) }
        return .success(options)
    }
}

/// Prints a progress line at most once a second, then the summary.
final class TransferReporter {
    let context: CommandContext
    let verb: String
    let startedAt: Instant
    var lastReport: Instant

    init(context: CommandContext, verb: String) {
        self.context = context
        self.verb = verb
        startedAt = context.stack.now
        lastReport = startedAt
    }

    func progress(_ bytes: Int) {
        let now = context.stack.now
        guard now.since(lastReport) >= .seconds(1) else { return }
        lastReport = now
        context.print("  \(verb) \(ByteCount.format(bytes)) in \(String(format: "%.1f", now.since(startedAt).milliseconds / 1000)) s, \(ByteCount.rate(bytes: bytes, over: now.since(startedAt)))")
    }

    func summary(_ bytes: Int) -> String {
        let elapsed = context.stack.now.since(startedAt)
        return "\(verb) \(bytes) bytes (\(ByteCount.format(bytes))) in \(String(format: "%.3f", elapsed.milliseconds / 1000)) s, goodput \(ByteCount.rate(bytes: bytes, over: elapsed))"
    }
}

/// `tcp-send [-p PORT] [-n BYTES] [--seed N] ADDRESS`: connects and sends BYTES of the seeded
/// pattern, then closes and waits for the peer to close.
enum TCPSendCommand: NodeCommand {
    static let name = "tcp-send"
    static let usage = "tcp-send [-p PORT] [-n BYTES] [--seed N] ADDRESS"

    static func run(_ arguments: [String], in context: CommandContext) {
        let options: BulkOptions
        switch BulkOptions.parse(arguments, needsAddress: true) {
        case let .success(parsed): options = parsed
        case let .failure(error):
            context.printError("tcp-send: \(error.message)\nusage: \(usage)")
            context.exit(2)
            return
        }
        let connection: TCPConnection
        do { connection = try context.stack.connect(to: options.address!, port: options.port) } catch {
            context.printError("tcp-send: \(error)")
            context.exit(1)
            return
        }
        context.print("sending \(ByteCount.format(options.bytes)) to \(options.address!):\(options.port) (pattern seed \(options.seed))")
        let reporter = TransferReporter(context: context, verb: "sent")
        let endpoint = BulkEndpoint(connection: connection, sendCount: options.bytes, sendSeed: options.seed, receiveSeed: 0)
        endpoint.onProgress = { reporter.progress(connection.unacknowledgedBytes >= 0 ? endpoint.sent - connection.unacknowledgedBytes : 0) }
        endpoint.onFinished = {
            if let error = connection.error {
                context.printError("tcp-send: \(error) after \(endpoint.sent - connection.unacknowledgedBytes) acknowledged bytes")
                context.exit(1)
            } else {
                context.print(reporter.summary(endpoint.sent))
                context.exit(endpoint.sent == options.bytes ? 0 : 1)
            }
        }
        context.onCancel = { connection.abort() }
    }
}

/// `tcp-recv [-p PORT] [--seed N] [-n BYTES]`: accepts one connection, checks every byte
/// against the seeded pattern, and reports; exits non-zero on a mismatch or a short stream
/// (when -n is given).
enum TCPReceiveCommand: NodeCommand {
    static let name = "tcp-recv"
    static let usage = "tcp-recv [-p PORT] [--seed N] [-n EXPECTED_BYTES]"

    static func run(_ arguments: [String], in context: CommandContext) {
        let options: BulkOptions
        let expectLength = arguments.contains("-n") || arguments.contains("--bytes")
        switch BulkOptions.parse(arguments, needsAddress: false) {
        case let .success(parsed): options = parsed
        case let .failure(error):
            context.printError("tcp-recv: \(error.message)\nusage: \(usage)")
            context.exit(2)
            return
        }
        let listener: TCPListener
        do { listener = try context.stack.listen(port: options.port, backlog: 1) } catch {
            context.printError("tcp-recv: \(error)")
            context.exit(1)
            return
        }
        context.print("listening on port \(options.port)")
        var endpoint: BulkEndpoint?
        listener.onAcceptable = {
            guard endpoint == nil, let connection = listener.accept() else { return }
            listener.close()
            context.print("connection from \(connection.remoteAddress):\(connection.remotePort)")
            let reporter = TransferReporter(context: context, verb: "received")
            let receiver = BulkEndpoint(connection: connection, sendCount: 0, sendSeed: 0, receiveSeed: options.seed)
            receiver.onProgress = { reporter.progress(receiver.received) }
            receiver.onFinished = {
                if let mismatch = receiver.mismatchAt {
                    context.printError("tcp-recv: byte \(mismatch) differs from the pattern")
                    context.exit(1)
                } else if let error = connection.error {
                    context.printError("tcp-recv: \(error) after \(receiver.received) bytes")
                    context.exit(1)
                } else if expectLength && receiver.received != options.bytes {
                    context.printError("tcp-recv: expected \(options.bytes) bytes, got \(receiver.received)")
                    context.exit(1)
                } else {
                    context.print(reporter.summary(receiver.received) + ", every byte matches the pattern")
                    context.exit(0)
                }
            }
            endpoint = receiver
        }
        context.onCancel = {
            listener.close()
            endpoint?.connection.abort()
        }
    }
}
