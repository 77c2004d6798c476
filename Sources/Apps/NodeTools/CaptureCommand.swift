import Foundation
import SmartNIC

/// `capture start|stop IFACE`: records the frames of one interface to a pcap file in the run
/// directory (`<node>-<iface>.pcap`), as `up --capture` does for all of them from the start.
enum CaptureCommand: NodeCommand {
    static let name = "capture"
    static let usage = "capture start|stop IFACE"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.count == 2, ["start", "stop"].contains(arguments[0]) else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        guard let port = context.port(named: arguments[1]) else {
            context.printError("capture: no interface '\(arguments[1])'; interfaces: \(context.interfaceNames)")
            context.exit(2)
            return
        }
        // A capture started again gets a new file, so the earlier one is never overwritten.
        var path = context.capturePath(arguments[1])
        var attempt = 2
        let base = String(path.dropLast(".pcap".count))
        while arguments[0] == "start" && port.capture == nil && FileManager.default.fileExists(atPath: path) {
            path = "\(base)-\(attempt).pcap"
            attempt += 1
        }
        if arguments[0] == "stop" {
            guard let capture = port.capture else {
                context.printError("capture: \(port.name) is not being captured")
                context.exit(1)
                return
            }
            capture.close()
            port.capture = nil
            context.print("stopped capturing \(port.name) (\(capture.path))")
            context.exit(0)
            return
        }
        if let capture = port.capture {
            context.print("\(port.name) is already being captured to \(capture.path)")
            context.exit(0)
            return
        }
        do {
            port.capture = try PcapWriter(path: path)
        } catch {
            context.printError("capture: \(error)")
            context.exit(1)
            return
        }
        context.print("capturing \(port.name) to \(path)")
        context.exit(0)
    }
}
