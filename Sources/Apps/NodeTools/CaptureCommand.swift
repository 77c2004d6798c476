import Foundation
import SmartNIC

/// `capture start|stop|show IFACE [--json]`: records the frames of one interface to a pcap file
/// in the run directory (`<node>-<iface>.pcap`), as `up --capture` does for all of them from
/// the start. `--json` answers with a `CaptureState`, which `nicbed capture -w` reads to find
/// the file it follows and to notice when someone else stops the capture it joined.
enum CaptureCommand: NodeCommand {
    static let name = "capture"
    static let usage = "capture start|stop|show IFACE [--json]"

    static func run(_ arguments: [String], in context: CommandContext) {
        let json = arguments.count == 3 && arguments[2] == "--json"
        guard arguments.count == 2 || json, ["start", "stop", "show"].contains(arguments[0]) else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        guard let port = context.port(named: arguments[1]) else {
            context.printError("capture: no interface '\(arguments[1])'; interfaces: \(context.interfaceNames)")
            context.exit(2)
            return
        }
        func answer(_ state: CaptureState, _ text: String) {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                if let data = try? encoder.encode(state) { context.print(String(decoding: data, as: UTF8.self)) }
            } else {
                context.print(text)
            }
            context.exit(0)
        }
        switch arguments[0] {
        case "show":
            if let capture = port.capture {
                answer(CaptureState(interface: port.name, path: capture.path), "\(port.name) is being captured to \(capture.path)")
            } else {
                answer(CaptureState(interface: port.name, path: nil), "\(port.name) is not being captured")
            }
        case "stop":
            guard let capture = port.capture else {
                context.printError("capture: \(port.name) is not being captured")
                context.exit(1)
                return
            }
            capture.close()
            port.capture = nil
            answer(CaptureState(interface: port.name, path: nil), "stopped capturing \(port.name) (\(capture.path))")
        default:
            if let capture = port.capture {
                answer(CaptureState(interface: port.name, path: capture.path, started: false),
                       "\(port.name) is already being captured to \(capture.path)")
                return
            }
            // A capture started again gets a new file, so the earlier one is never overwritten.
            var path = context.capturePath(arguments[1])
            var attempt = 2
            let base = String(path.dropLast(".pcap".count))
            while FileManager.default.fileExists(atPath: path) {
                path = "\(base)-\(attempt).pcap"
                attempt += 1
            }
            do {
                port.capture = try PcapWriter(path: path)
            } catch {
                context.printError("capture: \(error)")
                context.exit(1)
                return
            }
            answer(CaptureState(interface: port.name, path: path, started: true), "capturing \(port.name) to \(path)")
        }
    }
}

/// A capture's state as `capture … --json` gives it.
public struct CaptureState: Codable, Sendable, Equatable {
    /// NODE:IFACE.
    public var interface: String
    /// The pcap file being written; nil when the interface is not captured.
    public var path: String?
    /// For `start`: true when this request started the capture, false when it was running.
    public var started: Bool?

    public init(interface: String, path: String?, started: Bool? = nil) {
        self.interface = interface
        self.path = path
        self.started = started
    }
}
