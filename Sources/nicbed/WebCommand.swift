import ArgumentParser
import Crypto
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import Testbed
import Web

struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve a live page of the running topologies, their link controls, and /metrics for Prometheus.",
        discussion: """
        The page draws every running topology (or the one --run names), each link end's state, \
        impairments and rates (updated each second over a websocket), buttons to take an end down or \
        up and to set its loss and delay (as `nicbed link`), and each host's TCP connections. /metrics \
        serves the same figures in Prometheus' text format, labelled topology, node and interface.
          nicbed web                                  (then open http://127.0.0.1:8080/)
          nicbed web --listen 127.0.0.1:9000 --run line3
          NICBED_WEB_TOKEN=s3cret nicbed web --listen 0.0.0.0:8080 --allow-remote
        It listens on 127.0.0.1 unless told otherwise. A client on loopback sees everything; any other \
        client needs the token (Authorization: Bearer TOKEN, or ?token=TOKEN in the address) and gets \
        401 without it. Every control needs the token, which the page sends. Listening on another \
        address needs --allow-remote and a token of your own (--token or NICBED_WEB_TOKEN); on \
        loopback a random one is made and printed.
        """)

    @Option(help: ArgumentHelp("Address and port to listen on; port 0 picks a free one.", valueName: "ADDR:PORT"))
    var listen = "127.0.0.1:8080"

    @Flag(help: "Allow listening on an address other than loopback (needs a token).")
    var allowRemote = false

    @Option(help: "The token for controls and for clients not on loopback (default: $NICBED_WEB_TOKEN, else a random one).")
    var token: String?

    @Option(name: .customLong("run"), help: "Show only this topology (default: every running one).")
    var topologyName: String?

    @Option(help: "Seconds between samples.")
    var interval = 1.0

    func validate() throws {
        guard let (host, _) = Self.split(listen) else {
            throw ValidationError("--listen needs ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080, not '\(listen)'")
        }
        if !Self.isLoopback(host) {
            guard allowRemote else {
                throw ValidationError("\(host) is not a loopback address: clients on the network could reach the controls; add --allow-remote and a --token to mean it")
            }
            guard let token = token ?? ProcessInfo.processInfo.environment["NICBED_WEB_TOKEN"], token.count >= 8 else {
                throw ValidationError("listening on \(host) needs a token of 8 characters or more: --token TOKEN or NICBED_WEB_TOKEN")
            }
        }
        guard interval >= 0.2 && interval <= 60 else { throw ValidationError("--interval needs seconds in [0.2, 60]") }
    }

    func run() throws {
        let (host, port) = Self.split(listen)!
        let given = token ?? ProcessInfo.processInfo.environment["NICBED_WEB_TOKEN"]
        let token = given ?? Self.randomToken()
        // A token of the user's own is not echoed into logs; a made-up one must be shown to be used.
        let shown = given == nil ? token : "as given"
        let server = WebServer(.init(host: host, port: port, token: token, runName: topologyName, interval: interval))
        let failure = NIOLockedValueBox<Error?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await server.run { address in
                    StandardStreams.output("nicbed web: http://\(address)/  (metrics: http://\(address)/metrics; token: \(shown))")
                }
            } catch {
                failure.withLockedValue { $0 = error }
            }
            done.signal()
        }
        done.wait()
        if let error = failure.withLockedValue({ $0 }) { throw Failure("nicbed web: \(error)") }
    }

    /// "127.0.0.1:8080" → ("127.0.0.1", 8080); "[::1]:8080" → ("::1", 8080).
    static func split(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    static func isLoopback(_ host: String) -> Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }

    static func randomToken() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }.map { String(format: "%02x", $0) }.joined()
    }
}
