import Apps
import EventLoop
import Foundation
import Logging
import NetStack
import SmartNIC
import Topology
import Wire

/// The process that runs one node of a topology, all on one libuv loop: its NIC ports on UDP
/// sockets (with the link's impairments on what each sends), its control socket, and what the
/// node is: a host (one IPv4 stack and its apps), a router (a stack that forwards, with static
/// routes), or a switch (a learning bridge between its ports, no IP stack).
public final class NodeRuntime {
    let spec: NodeSpec
    let configuration: NodeConfiguration
    let runDirectory: RunDirectory
    let logger: Logger
    let loop: Loop
    let stack: NetworkStack
    /// The timers of the apps and node commands, run on this loop like the stack's.
    let appTimers = AppTimers()
    /// A switch's bridge; nil for hosts and routers.
    let bridge: LearningBridge?
    private var tunnels: [TunnelPort] = []
    private var fileServer: FileServer?
    private var echoService: UDPEchoService?
    private var control: UnixSocketServer?
    private var deadlineTimer: LoopTimer?
    private var flushTimer: LoopTimer?
    private var hook: IterationHook?
    private var signals: [SignalWatcher] = []
    private var clients: [ObjectIdentifier: (UnixStream, CommandContext?)] = [:]
    private let startedAt: Instant
    private var stopping = false

    /// `seed` is mixed into every port's impairment seed (`nicbed up --seed`): another seed,
    /// other draws; the same seed, the same draws.
    public init(configuration: NodeConfiguration, runDirectory: RunDirectory, capture: Bool, seed: UInt64 = 0,
                logger: Logger) throws {
        let spec = configuration.node
        let name = spec.name
        guard spec.kind.runsOurStack else {
            throw NodeError("node '\(name)' is of kind \(spec.kind.rawValue): no nicbed process runs it (`nicbed up` \(spec.kind == .linux ? "creates its network namespace" : "prints how to join it"))")
        }
        self.spec = spec
        self.configuration = configuration
        self.runDirectory = runDirectory
        self.logger = logger
        loop = try Loop()
        startedAt = Instant(nanoseconds: loop.nanoseconds)
        // A random key for the ISNs (RFC 6528): they must not be guessable from outside.
        stack = NetworkStack(hostname: name, now: startedAt, seed: UInt64.random(in: .min ... .max))
        stack.defaultGateway = spec.gateway
        stack.tcpConfiguration.congestionControl = switch spec.congestion {
        case .newReno: .newReno
        case .cubic: .cubic
        }
        stack.tcpConfiguration.memoryBudget = spec.tcpLimits.memory
        stack.tcpConfiguration.maximumConnections = spec.tcpLimits.connections
        stack.isForwarding = spec.kind == .router
        for route in spec.routes { stack.addRoute(to: route.destination, via: route.nextHop) }
        bridge = spec.kind == .switch ? LearningBridge(name: name, now: startedAt) : nil
        for interface in spec.interfaces {
            guard let link = configuration.link(id: interface.link) else {
                throw NodeError("interface \(interface.name) of node '\(name)' is cabled to link \(interface.link), which its configuration (from \(configuration.sourcePath)) does not have")
            }
            let port = NICPort(name: "\(name):\(interface.name)", linkID: UInt32(interface.link),
                               peer: UnderlayAddress(ipv4: 0, port: 0), encapsulation: link.encapsulation,
                               driver: NICDriver(configuration: spec.nic))
            if capture || spec.capture {
                port.capture = try PcapWriter(path: runDirectory.capturePath(node: name, interface: interface.name))
            }
            let endpoint = Endpoint(node: name, interface: interface.name)
            // Seeded per node and link, so a run's impairments are the same every time.
            port.impairmentSeed = Self.seed(configuration.topologyName, name, interface.name) ^ seed
            port.egress = link.impairments(sentBy: endpoint) ?? .none
            // A Linux or external peer has no port of ours to impair what it sends: it is done
            // here, as its frames arrive (seeded like the rest).
            let far = link.a == endpoint ? link.b : link.a
            if configuration.foreignPeers.contains(far.node) {
                port.ingress = link.impairments(sentBy: far) ?? .none
            }
            let tunnel = try TunnelPort(port: port, loop: loop, bindHost: interface.localHost, localPort: interface.localPort,
                                        peerHost: interface.peerHost, peerPort: interface.peerPort,
                                        onPeerChange: { [logger] in logger.info("\($0)") },
                                        afterReceive: { [unowned self] in self.tunnels.forEach { $0.port.flush() } }) { [stack, bridge, loop] in
                let now = Instant(nanoseconds: loop.nanoseconds)
                stack.advance(to: now)
                bridge?.advance(to: now)
            }
            port.clock = { [loop] in Instant(nanoseconds: loop.nanoseconds) }
            tunnels.append(tunnel)
            if let bridge {
                bridge.addPort(port)
                logger.info("\(interface.name) (switch port) \(interface.mac) on udp \(tunnel.underlayDescription) -> \(tunnel.peerDescription) (link \(interface.link))")
            } else if let address = interface.address {
                stack.addInterface(name: interface.name, mac: interface.mac, address: address, port: port, mtu: interface.mtu)
                logger.info("\(interface.name) \(address) \(interface.mac) mtu \(interface.mtu) on udp \(tunnel.underlayDescription) -> \(tunnel.peerDescription) (link \(interface.link))")
            }
        }
    }

    /// FNV-1a of the names: a stable seed per (topology, node, interface).
    static func seed(_ parts: String...) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "/").utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    /// Serves until told to stop (control `shutdown`, SIGINT or SIGTERM).
    public func run() throws {
        control = try UnixSocketServer(loop: loop, path: runDirectory.socketPath(node: spec.name)) { [unowned self] stream in
            self.accept(stream)
        }
        for signal in [SIGINT, SIGTERM] {
            signals.append(try SignalWatcher(loop: loop, signal: signal) { [unowned self] number in
                self.logger.info("signal \(number): stopping")
                self.shutdown()
            })
        }
        deadlineTimer = LoopTimer(loop: loop)
        hook = IterationHook(loop: loop) { [unowned self] in self.service() }
        // Captures can start at any time (`nicbed capture`): flush whatever is open five times a
        // second, so a live capture (`capture -w -`) lags by 200 ms at most.
        let timer = LoopTimer(loop: loop)
        timer.start(after: 200, repeating: 200) { [unowned self] in self.tunnels.forEach { $0.port.capture?.flush() } }
        flushTimer = timer
        if spec.kind == .host {
            let disk = runDirectory.diskPath(node: spec.name)
            try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
            if let port = spec.serve {
                fileServer = try FileServer(stack: stack, port: port, root: disk, limits: spec.serveLimits, timers: appTimers) { [logger] line in
                    logger.info("http: \(line)")
                }
                logger.info("file server on port \(port), serving \(disk)")
            }
            if spec.echo {
                echoService = try UDPEchoService(stack: stack)
                logger.info("UDP echo service on port \(UDPEchoService.port)")
            }
        }
        logger.info("node \(spec.name) ready, control socket \(runDirectory.socketPath(node: spec.name))")
        loop.run()
        loop.close()
        logger.info("node \(spec.name) stopped")
    }

    /// Once per loop iteration: bring the stack's clock up to date, run what is due, and arm
    /// the timer for the next deadline.
    private func service() {
        guard !stopping else { return }
        let now = Instant(nanoseconds: loop.nanoseconds)
        stack.advance(to: now)
        bridge?.advance(to: now)
        // Frames an impaired link held back (delay, rate) move on when their time comes, before
        // the stack reacts to the iteration: a frame a port's ingress delay releases may be
        // forwarded out of another port, whose ring must not have been flushed already.
        for tunnel in tunnels { tunnel.port.releaseDue(now: now) }
        stack.poll()
        appTimers.fire(now: now)
        bridge?.poll()
        // Then what the iteration transmitted leaves, each port's ring in one batch.
        for tunnel in tunnels { tunnel.port.flush() }
        guard let timer = deadlineTimer else { return }
        timer.stop()
        var next = stack.nextDeadline
        if let deadline = appTimers.nextDeadline, next.map({ deadline < $0 }) ?? true { next = deadline }
        if let deadline = bridge?.nextDeadline, next.map({ deadline < $0 }) ?? true { next = deadline }
        for tunnel in tunnels {
            if let deadline = tunnel.port.nextDeadline, next.map({ deadline < $0 }) ?? true { next = deadline }
            // A full socket buffer stopped the port's queue: try its ring again in a millisecond.
            if tunnel.port.isTransmitStopped, next.map({ stack.now + .milliseconds(1) < $0 }) ?? true { next = stack.now + .milliseconds(1) }
        }
        if let deadline = next {
            let now = stack.now
            let milliseconds = deadline > now ? (deadline.nanoseconds - now.nanoseconds + 999_999) / 1_000_000 : 0
            timer.start(after: milliseconds) {}
        }
    }

    private func accept(_ stream: UnixStream) {
        let id = ObjectIdentifier(stream)
        clients[id] = (stream, nil)
        var splitter = LineSplitter()
        stream.startReading(onData: { [unowned self] bytes in
            do {
                for line in try splitter.append(bytes) { self.handle(line, on: stream) }
            } catch {
                self.send(ControlResponse(error: "request line too long", exit: 2), on: stream)
                stream.close()
            }
        }, onClose: { [unowned self] in
            self.clients.removeValue(forKey: id)?.1?.cancel()
        })
    }

    private func handle(_ line: String, on stream: UnixStream) {
        guard let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line.utf8)) else {
            send(ControlResponse(error: "not a control request: \(line.prefix(120))", exit: 2), on: stream)
            stream.close()
            return
        }
        switch request.command {
        case .status:
            send(ControlResponse(status: status(), exit: 0), on: stream)
            stream.close()
        case .shutdown:
            send(ControlResponse(output: "stopping \(spec.name)", exit: 0), on: stream)
            stream.close()
            shutdown()
        case .exec:
            let context = CommandContext(stack: stack, timers: appTimers, ports: tunnels.map(\.port), bridge: bridge,
                                         disk: spec.kind == .host ? runDirectory.diskPath(node: spec.name) : nil,
                                         capturePath: { [runDirectory, spec] in runDirectory.capturePath(node: spec.name, interface: $0) }) { [unowned self, weak stream] output in
                guard let stream else { return }
                switch output {
                case let .output(line): self.send(ControlResponse(output: line), on: stream)
                case let .error(line): self.send(ControlResponse(error: line), on: stream)
                case let .exit(status):
                    self.send(ControlResponse(exit: status), on: stream)
                    stream.close()
                }
            }
            clients[ObjectIdentifier(stream)] = (stream, context)
            NodeCommands.run(request.arguments, in: context)
        }
    }

    private func send(_ response: ControlResponse, on stream: UnixStream) {
        guard var data = try? JSONEncoder().encode(response) else { return }
        data.append(UInt8(ascii: "\n"))
        stream.write([UInt8](data))
    }

    func status() -> NodeStatus {
        NodeStatus(name: spec.name, kind: spec.kind.rawValue, pid: getpid(),
                   uptimeSeconds: Double(Instant(nanoseconds: loop.nanoseconds).since(startedAt).milliseconds) / 1000,
                   interfaces: zip(spec.interfaces, tunnels).map { interface, tunnel in
                       NodeStatus.InterfaceStatus(name: interface.name, mac: interface.mac.description,
                                                  address: interface.address?.description ?? "-",
                                                  underlay: tunnel.underlayDescription, peer: tunnel.peerDescription)
                   },
                   disk: spec.kind == .host ? runDirectory.diskPath(node: spec.name) : nil,
                   serve: spec.serve)
    }

    /// Closes every handle; the loop then ends by itself once queued control writes are out.
    func shutdown() {
        guard !stopping else { return }
        stopping = true
        for (stream, context) in clients.values {
            context?.cancel()
            stream.close()
        }
        clients.removeAll()
        control?.close()
        fileServer?.close()
        tunnels.forEach {
            $0.port.capture?.close()
            $0.close()
        }
        deadlineTimer?.close()
        flushTimer?.close()
        hook?.close()
        signals.forEach { $0.close() }
    }
}

public struct NodeError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
