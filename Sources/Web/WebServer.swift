import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Testbed

/// `nicbed web`: the page, its websocket of live samples, the link controls and /metrics, all
/// on one port. A thread samples the running topologies once a second (blocking calls to the
/// nodes' control sockets, off the server's event loops) and publishes each sample.
public struct WebServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var token: String
        /// The topology to show; nil: every running one.
        public var runName: String?
        /// Seconds between samples.
        public var interval: Double

        public init(host: String, port: Int, token: String, runName: String?, interval: Double = 1) {
            self.host = host
            self.port = port
            self.token = token
            self.runName = runName
            self.interval = interval
        }
    }

    let configuration: Configuration

    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// Serves until SIGINT or SIGTERM; `onListening` hears the address bound (port 0 picks one).
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        var logger = Logger(label: "nicbed-web")
        logger.logLevel = .warning
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let broadcaster = Broadcaster()
        let app = Application(
            router: makeRouter(registry: registry, broadcaster: broadcaster),
            server: .http1WebSocketUpgrade(webSocketRouter: makeWebSocketRouter(broadcaster: broadcaster)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "nicbed"),
            onServerRunning: { channel in onListening(channel.localAddress.map(Self.describe) ?? "?") },
            logger: logger)
        let sampling = SamplingService(broadcaster: broadcaster, runName: configuration.runName, interval: configuration.interval)
        // Services stop in reverse order: the server (and its websockets) first, then sampling.
        let group = ServiceGroup(configuration: .init(services: [sampling, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// What `POST /api/link` takes: the end, and up, down or set with fields as `nicbed link set`.
    struct LinkRequest: Decodable {
        var run: String?
        var end: String
        var action: String
        var settings: [String: String]?
    }

    struct CommandReply: ResponseEncodable {
        var status: Int32
        var output: [String]
        var errors: [String]
    }

    func makeRouter(registry: PrometheusCollectorRegistry, broadcaster: Broadcaster) -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        let token = configuration.token
        router.add(middleware: AccessMiddleware(token: token))

        router.get("/") { _, context -> Response in
            // The page carries the token only to a client that may use it: loopback or holding it.
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: Page.html(token: token))))
        }
        router.get("/api/view") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: broadcaster.latest ?? "{}")))
        }
        router.post("/api/link") { request, context -> CommandReply in
            let asked = try await request.decode(as: LinkRequest.self, context: context)
            guard let action = LinkControl.Action(rawValue: asked.action), action != .show else {
                throw HTTPError(.badRequest, message: "action must be up, down or set, not '\(asked.action)'")
            }
            let parts = asked.end.split(separator: ":").map(String.init)
            guard parts.count == 2 else { throw HTTPError(.badRequest, message: "end must be NODE:IFACE, not '\(asked.end)'") }
            // Fields in a fixed order, as a user would type them after `nicbed link set END`.
            let settings = (asked.settings ?? [:]).sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
            if action == .set && settings.isEmpty { throw HTTPError(.badRequest, message: "set needs settings, e.g. {\"loss\": \"5%\"}") }
            if action != .set && !settings.isEmpty { throw HTTPError(.badRequest, message: "\(action.rawValue) takes no settings") }
            let runName = asked.run
            return try await NIOThreadPool.singleton.runIfActive {
                let lines = NIOLockedValueBox((output: [String](), errors: [String]()))
                let status: Int32
                do {
                    status = try LinkControl.run(action, node: parts[0], interface: parts[1], settings: settings, runName: runName,
                                                 notice: { line in lines.withLockedValue { $0.errors.append(line) } },
                                                 output: { line in lines.withLockedValue { $0.output.append(line) } },
                                                 error: { line in lines.withLockedValue { $0.errors.append(line) } })
                } catch {
                    return CommandReply(status: 1, output: [], errors: ["\(error)"])
                }
                let collected = lines.withLockedValue { $0 }
                return CommandReply(status: status, output: collected.output, errors: collected.errors)
            }
        }
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }

    /// The router of websocket upgrades alone, behind the same access rules. (hummingbird
    /// answers a refused upgrade with 400 whatever the middleware said: the browser sees its
    /// websocket fail, a script the 400.)
    func makeWebSocketRouter(broadcaster: Broadcaster) -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: AccessMiddleware(token: configuration.token))
        router.ws("/live") { inbound, outbound, _ in
            let (id, stream) = broadcaster.subscribe()
            defer { broadcaster.unsubscribe(id) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for await message in stream { try await outbound.write(.text(message)) } }
                // The page sends nothing; reading notices when it goes away.
                group.addTask { for try await _ in inbound.messages(maxSize: 1 << 12) {} }
                try await group.next()
                group.cancelAll()
            }
        }
        return router
    }
}

/// The sampling thread as a service of the group: started with the server, stopped on SIGINT
/// or SIGTERM. The thread owns the sampler and the metrics export (plain state, one thread).
struct SamplingService: Service {
    let broadcaster: Broadcaster
    let runName: String?
    let interval: Double

    func run() async throws {
        let stop = DispatchSemaphore(value: 0)
        let (exited, exitedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (broadcaster, runName, interval) = (self.broadcaster, self.runName, self.interval)
        let thread = Thread {
            let sampler = Sampler(runName: runName)
            let metrics = MetricsExport()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            repeat {
                let view = sampler.sample()
                metrics.record(view)
                if let data = try? encoder.encode(view) { broadcaster.publish(String(decoding: data, as: UTF8.self)) }
            } while stop.wait(timeout: .now() + .milliseconds(Int(interval * 1000))) == .timedOut
            exitedContinuation.finish()
        }
        thread.name = "nicbed-web-sampler"
        thread.start()
        try? await gracefulShutdown()
        stop.signal()
        for await _ in exited {}
        broadcaster.finishAll()
    }
}
