import SmartNIC
import Wire

/// Reads the YAML tree into a `TopologyDraft`, checking each field's shape and value on its
/// own. Checks that relate fields to each other belong to `Cabling`, `Segments` and
/// `AddressPlan`. Link fields and routes are read in `LinkSettings.swift` and `Routes.swift`.
struct TopologyParser {
    static let defaultUnderlayHost = "127.0.0.1"
    static let defaultBasePort: UInt16 = 47100
    /// Ports below 1024 need privileges; the top leaves room for a few links' worth of pairs.
    static let basePortRange: ClosedRange<UInt16> = 1024...65000

    private enum Accepted {
        static let document = "a mapping with keys name, nodes, links and optionally defaults"
        static let defaults = "a mapping with optional keys underlay, nic, link, capture"
        static let underlay = "a mapping with keys host and base_port, e.g. {host: 127.0.0.1, base_port: 47100}"
        static let host = "an IPv4 address A.B.C.D or a host name"
        static let basePort = "an integer in \(basePortRange)"
        static let nodes = "a mapping of node name to node, e.g. h1: {kind: host}"
        static let node = "a mapping with key kind and optionally gateway, interfaces, routes, tcp, nic, capture, serve, echo (image, command, environment for a linux node)"
        static let serve = "true (a file server on port 80), false, or a mapping {port: N, head_timeout: 10s, idle_timeout: 60s, sessions: 256} with N in 1...65535 (only port required); hosts only"
        static let echo = "true (a UDP echo service on port 7, RFC 862) or false; hosts only"
        static let switchNode = "for a switch, keys kind and optionally interfaces, nic, capture"
        static let linuxNode = "for a linux node, keys kind and optionally gateway, interfaces, routes, image, command, environment"
        static let image = "a docker image reference, e.g. alpine:3.20 or registry.example/app:1"
        static let command = "a command as a string (split into words as compose does) or a sequence of strings, e.g. [sh, -c, \"exec server --port 7000\"]"
        static let environment = "a mapping of variable name to value, e.g. {ROLE: leader}"
        static let externalNode = "for an external node, keys kind and optionally interfaces"
        static let switchInterface = "for a switch's interface, the key mac; addresses belong on the hosts and routers cabled to it"
        static let capture = "true or false"
        static let tcp = "a mapping with optional keys congestion, memory, connections, e.g. {congestion: cubic, memory: 64MiB, connections: 10000}"
        static let tcpMemory = "a byte size in \(ByteSize.describe(TCPLimits.memoryRange.lowerBound))...\(ByteSize.describe(TCPLimits.memoryRange.upperBound)): \(ByteSize.accepted)"
        static let tcpConnections = "an integer in \(TCPLimits.connectionRange)"
        static let congestion = TCPCongestion.allCases.map(\.rawValue).joined(separator: ", ")
        static let nic = "a mapping with optional keys mode, card_memory, header_prefix, checksum_offload, e.g. {mode: conventional, card_memory: 16MiB}"
        static let nicMode = NICMode.allCases.map(\.rawValue).joined(separator: ", ")
        static let cardMemory = "a byte size in \(ByteSize.describe(NICConfiguration.cardMemoryRange.lowerBound))...\(ByteSize.describe(NICConfiguration.cardMemoryRange.upperBound)): \(ByteSize.accepted)"
        static let headerPrefix = "an integer number of bytes in \(NICConfiguration.headerPrefixRange)"
        static let checksumOffload = "true or false"
        static let kind = NodeKind.allCases.map(\.rawValue).joined(separator: ", ")
        static let gateway = "an IPv4 address A.B.C.D"
        static let interfaces = "a mapping of interface name to interface, e.g. eth0: {address: 10.0.0.1/24}"
        static let interface = "a mapping with optional keys address, mac"
        static let address = "A.B.C.D/N with N in 0...32"
        static let hostAddress = "a unicast host address, not 0.x.x.x, 127.x.x.x, 224.0.0.0 and above, nor the network or broadcast address of its subnet"
        static let mac = "six hex pairs aa:bb:cc:dd:ee:ff"
        static let unicastMAC = "a unicast MAC, whose first octet is even, e.g. 02:00:00:00:01:00"
        static let links = "a sequence of links, e.g. - endpoints: [h1:eth0, h2:eth0]"
        static let endpoints = "exactly two endpoints, [node:iface, node:iface]"
        static let endpoint = "node:iface, e.g. h1:eth0"
    }

    let basePortOverride: UInt16?

    func parse(_ root: YAMLField) throws(TopologyError) -> TopologyDraft {
        let document = try root.fields(accepting: ["name", "defaults", "nodes", "links"],
                                       accepted: Accepted.document)
        let name = try topologyName(try document.required("name", accepted: Names.topologyAccepted))
        var host = Self.defaultUnderlayHost
        var basePort = Self.defaultBasePort
        var nicDefaults = NICDraft()
        var linkDefaults = LinkSettingsDraft()
        var captureDefault = false
        if let defaults = document.optional("defaults") {
            let fields = try defaults.fields(accepting: ["underlay", "nic", "link", "capture"], accepted: Accepted.defaults)
            if let underlay = fields.optional("underlay") {
                let fields = try underlay.fields(accepting: ["host", "base_port"], accepted: Accepted.underlay)
                if let field = fields.optional("host") { host = try underlayHost(field) }
                if let field = fields.optional("base_port") { basePort = try self.basePort(field) }
            }
            if let field = fields.optional("nic") { nicDefaults = try nic(field) }
            if let field = fields.optional("link") { linkDefaults = try defaultLink(field) }
            if let field = fields.optional("capture") { captureDefault = try boolean(field, accepted: Accepted.capture) }
        }
        if let basePortOverride {
            guard Self.basePortRange.contains(basePortOverride) else {
                throw TopologyError(file: root.file, line: 0, column: 0, field: "defaults.underlay.base_port",
                                    message: "the override \(basePortOverride) is out of range; accepted: \(Accepted.basePort)")
            }
            basePort = basePortOverride
        }
        let nodesField = try document.required("nodes", accepted: Accepted.nodes)
        let entries = try nodesField.entries(accepted: Accepted.nodes)
        guard !entries.isEmpty else { throw nodesField.error("has no nodes", accepted: Accepted.nodes) }
        var nodes: [NodeDraft] = []
        for entry in entries {
            nodes.append(try node(entry, nicDefaults: nicDefaults, captureDefault: captureDefault))
        }
        let linksField = try document.required("links", accepted: Accepted.links)
        var links: [LinkDraft] = []
        for (index, item) in try linksField.sequence(accepted: Accepted.links).enumerated() {
            links.append(try link(item, id: index + 1, defaults: linkDefaults))
        }
        return TopologyDraft(name: name, underlayHost: host, basePort: basePort, nodes: nodes, links: links)
    }

    private func topologyName(_ field: YAMLField) throws(TopologyError) -> String {
        let name = try field.string(accepted: Names.topologyAccepted)
        guard Names.isTopologyName(name) else {
            throw field.error("'\(name)' is not a topology name", accepted: Names.topologyAccepted)
        }
        return name
    }

    private func underlayHost(_ field: YAMLField) throws(TopologyError) -> String {
        let host = try field.string(accepted: Accepted.host)
        guard IPv4Address(host) != nil || Names.isHostName(host) else {
            throw field.error("'\(host)' is neither an IPv4 address nor a host name", accepted: Accepted.host)
        }
        return host
    }

    private func basePort(_ field: YAMLField) throws(TopologyError) -> UInt16 {
        let text = try field.string(accepted: Accepted.basePort)
        guard let port = UInt16(text), Self.basePortRange.contains(port) else {
            let digits = text.drop { $0 == "-" }
            let isInteger = !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
            throw field.error("'\(text)' is \(isInteger ? "out of range" : "not an integer")",
                              accepted: Accepted.basePort)
        }
        return port
    }

    private func node(_ entry: YAMLEntry, nicDefaults: NICDraft,
                      captureDefault: Bool) throws(TopologyError) -> NodeDraft {
        guard Names.isNodeName(entry.name) else {
            throw entry.key.error("'\(entry.name)' is not a node name", accepted: Names.nodeAccepted)
        }
        let fields = try entry.value.fields(accepting: ["kind", "gateway", "interfaces", "routes", "tcp", "nic", "capture", "serve", "echo",
                                                          "image", "command", "environment"],
                                            accepted: Accepted.node)
        let kindField = try fields.required("kind", accepted: Accepted.kind)
        let kindName = try kindField.string(accepted: Accepted.kind)
        guard let kind = NodeKind(rawValue: kindName) else {
            throw kindField.error("'\(kindName)' is not a node kind", accepted: Accepted.kind)
        }
        // Refused at the key: it is having the field at all that is wrong.
        let foreign: [(key: String, why: String)] = switch kind {
        case .linux: ["tcp", "nic", "capture", "serve", "echo"].map { key in
            (key, "a linux node runs the kernel's own stack and NIC, which nicbed does not configure; capture on the other end of its links, and serve files with a program run by `nicbed exec`") }
        case .external: ["gateway", "routes", "tcp", "nic", "capture", "serve", "echo"].map { key in
            (key, "nicbed does not configure an external node; set its routes inside the guest, and capture on the other end of its links") }
        default: []
        }
        for (key, why) in foreign where fields.optional(key) != nil {
            guard let written = fields.key(key) else { continue }
            throw written.error("'\(key)' does not apply: \(why)",
                                accepted: kind == .linux ? Accepted.linuxNode : Accepted.externalNode)
        }
        if kind != .linux {
            for key in ["image", "command", "environment"] where fields.optional(key) != nil {
                guard let written = fields.key(key) else { continue }
                throw written.error("'\(key)' does not apply: only a linux node runs a container image of the user's (under docker, in the node's network namespace)",
                                    accepted: Accepted.node)
            }
        }
        let container = try self.container(fields)
        if kind == .switch {
            for (key, what) in [("gateway", "gateway"), ("routes", "routes"), ("tcp", "TCP")] {
                guard fields.optional(key) != nil, let written = fields.key(key) else { continue }
                throw written.error("a switch has no \(what): switches are layer 2 and forward frames by MAC address, never by IP",
                                    accepted: Accepted.switchNode)
            }
        }
        var gateway: Written<IPv4Address>?
        if let field = fields.optional("gateway") {
            let text = try field.string(accepted: Accepted.gateway)
            guard let address = IPv4Address(text) else {
                throw field.error("'\(text)' is not an IPv4 address", accepted: Accepted.gateway)
            }
            gateway = Written(value: address, field: field)
        }
        var interfaces: [InterfaceDraft] = []
        if let field = fields.optional("interfaces") {
            for entry in try field.entries(accepted: Accepted.interfaces) {
                interfaces.append(try interface(entry, kind: kind))
            }
        }
        var routes: [RouteDraft] = []
        if let field = fields.optional("routes") { routes = try self.routes(field) }
        // `defaults.capture` means the nodes whose frames we handle.
        var capture = kind.runsOurStack && captureDefault
        if let field = fields.optional("capture") { capture = try boolean(field, accepted: Accepted.capture) }
        var serve: UInt16?
        var serveLimits = FileServerLimits()
        if let field = fields.optional("serve") {
            guard kind == .host else {
                throw field.error("only a host serves files: a \(kind.rawValue) runs no applications", accepted: Accepted.serve)
            }
            if let (port, limits) = try self.serve(field) {
                serve = port
                serveLimits = limits
            }
        }
        var echo = false
        if let field = fields.optional("echo") {
            guard kind == .host else {
                throw field.error("only a host runs the echo service: a \(kind.rawValue) runs no applications", accepted: Accepted.echo)
            }
            echo = try boolean(field, accepted: Accepted.echo)
        }
        var congestion = TCPCongestion.newReno
        var tcpLimits = TCPLimits()
        if let field = fields.optional("tcp") {
            let tcp = try field.fields(accepting: ["congestion", "memory", "connections"], accepted: Accepted.tcp)
            if let field = tcp.optional("memory") {
                tcpLimits.memory = try byteSize(field, in: TCPLimits.memoryRange, accepted: Accepted.tcpMemory)
            }
            if let field = tcp.optional("connections") {
                tcpLimits.connections = try integer(field, in: TCPLimits.connectionRange, accepted: Accepted.tcpConnections)
            }
            if let choice = tcp.optional("congestion") {
                let text = try choice.string(accepted: Accepted.congestion)
                guard let algorithm = TCPCongestion(rawValue: text) else {
                    throw choice.error("'\(text)' is not a congestion control algorithm", accepted: Accepted.congestion)
                }
                congestion = algorithm
            }
        }
        var nic = nicDefaults
        if let field = fields.optional("nic") { nic = nicDefaults.overridden(by: try self.nic(field)) }
        return NodeDraft(name: Written(value: entry.name, field: entry.key), kind: kind,
                         gateway: gateway, interfaces: interfaces, congestion: congestion, tcpLimits: tcpLimits, nic: nic,
                         routes: routes, capture: capture, serve: serve, serveLimits: serveLimits, echo: echo, container: container)
    }

    /// A linux node's `image`, with its `command` and `environment`: what runs in the node's
    /// network namespace under docker. `command` and `environment` need an `image`.
    private func container(_ fields: YAMLFields) throws(TopologyError) -> ContainerSpec? {
        guard let imageField = fields.optional("image") else {
            for key in ["command", "environment"] where fields.optional(key) != nil {
                guard let written = fields.key(key) else { continue }
                throw written.error("'\(key)' needs an image to run in", accepted: "image: together with \(key):")
            }
            return nil
        }
        let image = try imageField.string(accepted: Accepted.image)
        guard !image.isEmpty, !image.contains(where: { $0.isWhitespace }) else {
            throw imageField.error("'\(image)' is not an image reference", accepted: Accepted.image)
        }
        var command: ContainerSpec.Command?
        if let field = fields.optional("command") {
            if let text = try? field.string(accepted: Accepted.command) {
                command = .line(text)
            } else {
                var words: [String] = []
                for item in try field.sequence(accepted: Accepted.command) { words.append(try item.string(accepted: Accepted.command)) }
                guard !words.isEmpty else { throw field.error("an empty command runs nothing", accepted: Accepted.command) }
                command = .arguments(words)
            }
        }
        var environment: [ContainerSpec.Variable] = []
        if let field = fields.optional("environment") {
            for entry in try field.entries(accepted: Accepted.environment) {
                let name = entry.name
                guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
                      name.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }) else {
                    throw entry.key.error("'\(name)' is not a variable name", accepted: "letters, digits and _, not starting with a digit")
                }
                environment.append(ContainerSpec.Variable(name: name, value: try entry.value.string(accepted: Accepted.environment)))
            }
        }
        return ContainerSpec(image: image, command: command, environment: environment)
    }

    /// `serve: true`, `serve: false` or `serve: {port: N, …}`: the host's HTTP file server.
    private func serve(_ field: YAMLField) throws(TopologyError) -> (UInt16, FileServerLimits)? {
        if let text = try? field.string(accepted: Accepted.serve) {
            switch text {
            case "true", "True", "TRUE": return (80, FileServerLimits())
            case "false", "False", "FALSE": return nil
            default: throw field.error("'\(text)' is neither true nor false", accepted: Accepted.serve)
            }
        }
        let fields = try field.fields(accepting: ["port", "head_timeout", "idle_timeout", "sessions"], accepted: Accepted.serve)
        let portField = try fields.required("port", accepted: Accepted.serve)
        let text = try portField.string(accepted: Accepted.serve)
        guard let port = UInt16(text), port > 0 else {
            throw portField.error("'\(text)' is not a TCP port", accepted: Accepted.serve)
        }
        var limits = FileServerLimits()
        for (key, path) in [("head_timeout", \FileServerLimits.headTimeout), ("idle_timeout", \FileServerLimits.idleTimeout)] {
            guard let timeout = fields.optional(key) else { continue }
            let value = try timeout.string(accepted: Accepted.serve)
            let accepted = "a duration from 1s to 3600s, e.g. 10s or 90s"
            guard let duration = try? Quantity.duration(value), duration >= .seconds(1), duration <= .seconds(3600) else {
                throw timeout.error("'\(value)' is not a duration from 1s to 3600s", accepted: accepted)
            }
            limits[keyPath: path] = duration
        }
        if let sessions = fields.optional("sessions") {
            let value = try sessions.string(accepted: Accepted.serve)
            guard let count = Int(value), FileServerLimits.sessionRange.contains(count) else {
                throw sessions.error("'\(value)' is not a number of sessions", accepted: "an integer in \(FileServerLimits.sessionRange)")
            }
            limits.sessions = count
        }
        return (port, limits)
    }

    /// A `nic:` block, under `defaults` or a node. Whether its fields go together is decided
    /// once a node's block has been laid over the defaults (`NICDraft.configuration`).
    private func nic(_ field: YAMLField) throws(TopologyError) -> NICDraft {
        let fields = try field.fields(accepting: ["mode", "card_memory", "header_prefix", "checksum_offload"],
                                      accepted: Accepted.nic)
        var draft = NICDraft()
        if let field = fields.optional("mode") {
            let text = try field.string(accepted: Accepted.nicMode)
            guard let mode = NICMode(rawValue: text) else {
                throw field.error("'\(text)' is not a NIC mode", accepted: Accepted.nicMode)
            }
            draft.mode = Written(value: mode, field: field)
        }
        if let field = fields.optional("card_memory") {
            draft.cardMemory = Written(value: try byteSize(field, in: NICConfiguration.cardMemoryRange, accepted: Accepted.cardMemory),
                                       field: field)
        }
        if let field = fields.optional("header_prefix") {
            let bytes = try integer(field, in: NICConfiguration.headerPrefixRange, accepted: Accepted.headerPrefix)
            draft.headerPrefix = Written(value: bytes, field: field)
        }
        if let field = fields.optional("checksum_offload") {
            draft.checksumOffload = Written(value: try boolean(field, accepted: Accepted.checksumOffload), field: field)
        }
        return draft
    }

    /// An integer in `range`, telling a number out of range from something that is no number.
    func byteSize(_ field: YAMLField, in range: ClosedRange<Int>, accepted: String) throws(TopologyError) -> Int {
        let text = try field.string(accepted: accepted)
        switch ByteSize.read(text) {
        case .bytes(let bytes) where range.contains(bytes):
            return bytes
        case .bytes(let bytes):
            let inBytes = text == String(bytes) ? "" : " (\(bytes) bytes)"
            throw field.error("'\(text)'\(inBytes) is out of range", accepted: accepted)
        case .outOfRange:
            throw field.error("'\(text)' is out of range", accepted: accepted)
        case .notASize:
            throw field.error("'\(text)' is not a byte size", accepted: accepted)
        }
    }

    func integer(_ field: YAMLField, in range: ClosedRange<Int>, accepted: String) throws(TopologyError) -> Int {
        let text = try field.string(accepted: accepted)
        guard let value = Int(text), range.contains(value) else {
            let digits = text.drop { $0 == "-" }
            let isInteger = !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
            throw field.error("'\(text)' is \(isInteger ? "out of range" : "not an integer")", accepted: accepted)
        }
        return value
    }

    /// YAML 1.2's booleans; 1.1's yes/no/on/off are refused rather than guessed at.
    func boolean(_ field: YAMLField, accepted: String) throws(TopologyError) -> Bool {
        let text = try field.string(accepted: accepted)
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw field.error("'\(text)' is not true or false", accepted: accepted)
        }
    }

    private func interface(_ entry: YAMLEntry, kind: NodeKind) throws(TopologyError) -> InterfaceDraft {
        guard Names.isInterfaceName(entry.name) else {
            throw entry.key.error("'\(entry.name)' is not an interface name", accepted: Names.interfaceAccepted)
        }
        var draft = InterfaceDraft(name: Written(value: entry.name, field: entry.key))
        // `eth0:` alone declares the interface and leaves everything to the plan.
        if entry.value.isNull { return draft }
        let fields = try entry.value.fields(accepting: ["address", "mac"], accepted: Accepted.interface)
        if kind == .switch, fields.optional("address") != nil, let written = fields.key("address") {
            throw written.error("a switch's interface has no address: switches are layer 2",
                                accepted: Accepted.switchInterface)
        }
        if let field = fields.optional("address") {
            let text = try field.string(accepted: Accepted.address)
            guard let address = IPv4Interface(text) else {
                throw field.error("'\(text)' is not an IPv4 address with prefix length", accepted: Accepted.address)
            }
            if let problem = Self.hostAddressProblem(address) {
                throw field.error("'\(text)' \(problem)", accepted: Accepted.hostAddress)
            }
            draft.address = Written(value: address, field: field)
        }
        if let field = fields.optional("mac") {
            let text = try field.string(accepted: Accepted.mac)
            guard let mac = MACAddress(text) else {
                throw field.error("'\(text)' is not a MAC address", accepted: Accepted.mac)
            }
            guard !mac.isMulticast else {
                throw field.error("'\(text)' is a multicast MAC", accepted: Accepted.unicastMAC)
            }
            draft.mac = Written(value: mac, field: field)
        }
        return draft
    }

    /// Why an address cannot be given to an interface, if it cannot: these are the ones that
    /// parse fine and then make ARP or forwarding misbehave in confusing ways.
    static func hostAddressProblem(_ interface: IPv4Interface) -> String? {
        let first = interface.address.value >> 24
        if first == 0 { return "is in 0.0.0.0/8, which means 'this network'" }
        if first == 127 { return "is a loopback address" }
        if first >= 224 { return "is a multicast or reserved address" }
        // /31 and /32 have no network or broadcast address (RFC 3021).
        guard interface.prefixLength <= 30 else { return nil }
        if interface.address == interface.network {
            return "is the network address of \(interface.network)/\(interface.prefixLength)"
        }
        if interface.address == interface.directedBroadcast {
            return "is the broadcast address of \(interface.network)/\(interface.prefixLength)"
        }
        return nil
    }

    private func link(_ item: YAMLField, id: Int, defaults: LinkSettingsDraft) throws(TopologyError) -> LinkDraft {
        let fields = try item.fields(accepting: Self.linkKeys, accepted: LinkAccepted.link)
        let endpointsField = try fields.required("endpoints", accepted: Accepted.endpoints)
        let items = try endpointsField.sequence(accepted: Accepted.endpoints)
        guard items.count == 2 else {
            throw endpointsField.error("has \(items.count) endpoint\(items.count == 1 ? "" : "s")",
                                       accepted: Accepted.endpoints)
        }
        var link = LinkDraft(id: id, field: item, a: try endpoint(items[0]), b: try endpoint(items[1]))
        let settings = defaults.overridden(by: try linkSettings(fields))
        var egress = (a: ImpairmentDraft(), b: ImpairmentDraft())
        if let field = fields.optional("egress") { egress = try self.egress(field, a: link.a.value, b: link.b.value) }
        link.aToB = settings.impairments.overridden(by: egress.a)
        link.bToA = settings.impairments.overridden(by: egress.b)
        link.mtu = settings.mtu
        if let field = fields.optional("encap") {
            let text = try field.string(accepted: LinkAccepted.encap)
            guard let encapsulation = Encapsulation(rawValue: text) else {
                throw field.error("'\(text)' is not an encapsulation", accepted: LinkAccepted.encap)
            }
            link.encapsulation = Written(value: encapsulation, field: field)
        }
        return link
    }

    func endpoint(_ field: YAMLField) throws(TopologyError) -> Written<Endpoint> {
        let text = try field.string(accepted: Accepted.endpoint)
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw field.error("'\(text)' is not node:iface", accepted: Accepted.endpoint)
        }
        let interface = String(parts[1])
        guard Names.isInterfaceName(interface) else {
            throw field.error("'\(interface)' in '\(text)' is not an interface name",
                              accepted: Names.interfaceAccepted)
        }
        return Written(value: Endpoint(node: String(parts[0]), interface: interface), field: field)
    }
}
