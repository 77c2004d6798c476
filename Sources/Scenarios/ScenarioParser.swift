import Foundation
import SmartNIC
import Topology
import Wire
import Yams

/// Reads a scenario file, checking everything that can be checked before anything starts: the
/// fields and their values, the topology it names (loaded and checked too), the nodes and
/// link ends each step names, and the background names `await` and `stop` refer to. Every
/// mistake is a `TopologyError` at the file, line and column of the value.
public enum ScenarioParser {
    enum Accepted {
        static let root = "a mapping with keys name, topology and steps"
        static let name = "1 to 64 of a-z, 0-9, '-' and '_'"
        static let topology = "the path of a topology file, relative to the scenario's folder, or a topology written here (a mapping with name, nodes, links)"
        static let steps = "a sequence of steps, each a mapping with one key: \(kinds.joined(separator: ", "))"
        static let kinds = ["ping", "pingall", "copy", "run", "link", "wait", "kill", "restart", "capture", "filter", "partition", "heal", "nic", "start", "expect", "await", "stop"]
        static let node = "the name of a node of the topology"
        static let end = "NODE:IFACE of the topology, e.g. r1:eth1"
        static let count = "an integer from 1 to 100000"
        static let duration = "a duration such as 500ms, 3s or 1.5s"
        static let percentage = "a percentage such as 0%, 5% or 0.5%"
        static let size = "a byte size such as 64MiB, 1G or 1500"
        static let rate = "a bit rate such as 10Mbit or 1Gbit"
        static let background = "a name for the step in the background, 1 to 32 of a-z, 0-9, '-' and '_'"
        static let command = "a string (split at spaces) or a sequence of strings"
        static let bound = "exactly one of equals, at_least, at_most, with an integer"
    }

    public static func load(path: String) throws(TopologyError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TopologyError(file: path, line: 0, column: 0, field: "", message: "cannot be read: no such file, or not readable")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws(TopologyError) -> Scenario {
        guard let root = try YAMLDocument.compose(text, file: file) else {
            throw TopologyError(file: file, line: 0, column: 0, field: "", message: "is empty; accepted: \(Accepted.root)")
        }
        let fields = try YAMLField(node: root, path: "", file: file).fields(accepting: ["name", "topology", "steps"], accepted: Accepted.root)
        let nameField = try fields.required("name", accepted: Accepted.name)
        let name = try nameField.string(accepted: Accepted.name)
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw nameField.error("'\(name)' is not a scenario name", accepted: Accepted.name)
        }
        let topologyField = try fields.required("topology", accepted: Accepted.topology)
        let topology: Topology, topologyPath: String
        var inline: String?
        if case .mapping = topologyField.node {
            // Written here: checked here, its errors at this file's lines.
            topology = try Topology.parse(embedded: topologyField)
            topologyPath = file
            do { inline = try Yams.serialize(node: topologyField.node) } catch {
                throw topologyField.error("cannot be written out again: \(error)")
            }
        } else {
            let written = try topologyField.string(accepted: Accepted.topology)
            let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
            topologyPath = written.hasPrefix("/") ? written : folder.appendingPathComponent(written).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: topologyPath, isDirectory: &isDirectory) else {
                throw topologyField.error("no topology file at \(topologyPath)", accepted: Accepted.topology)
            }
            // Named here, at the scenario's field, rather than by the loader as a file it cannot read.
            guard !isDirectory.boolValue else {
                throw topologyField.error("\(topologyPath) is a directory, not a topology file", accepted: Accepted.topology)
            }
            topology = try Topology.load(path: topologyPath)
        }
        var context = Context(topology: topology)
        var steps: [Step] = []
        for (index, item) in try fields.required("steps", accepted: Accepted.steps).sequence(accepted: Accepted.steps).enumerated() {
            steps.append(try context.step(item, number: index + 1))
        }
        guard !steps.isEmpty else {
            throw try fields.required("steps", accepted: Accepted.steps).error("no steps", accepted: Accepted.steps)
        }
        return Scenario(name: name, file: file, topology: topologyPath, inlineTopology: inline, steps: steps)
    }

    /// What the steps so far have declared: the names running in the background.
    struct Context {
        let topology: Topology
        var background: [String: Int] = [:]
        /// Partitions made so far, by name, for `heal`.
        var partitions: Set<String> = []

        mutating func step(_ item: YAMLField, number: Int) throws(TopologyError) -> Step {
            let entries = try item.entries(accepted: Accepted.steps)
            guard entries.count == 1, let entry = entries.first else {
                throw item.error("a step has exactly one key, its kind (got \(entries.count))", accepted: Accepted.steps)
            }
            guard Accepted.kinds.contains(entry.name) else {
                throw entry.key.error("unknown step '\(entry.name)'", accepted: Accepted.kinds.joined(separator: ", "))
            }
            let location = "\(item.file):\(entry.key.node.mark?.line ?? 0):\(entry.key.node.mark?.column ?? 0)"
            var step = Step(action: .wait(.zero), number: number, location: location, timeout: .seconds(60))
            let value = entry.value
            switch entry.name {
            case "wait":
                let pause = try duration(value)
                step.action = .wait(pause)
                step.timeout = pause + .seconds(5)
            case "kill", "restart":
                let field = try scalarOrField(value, key: "node", accepted: Accepted.node)
                let node = try self.node(field)
                guard topology.node(named: node)?.kind.runsOurStack == true else {
                    throw field.error("\(node) is a \(topology.node(named: node)?.kind.rawValue ?? "") node: only our nodes' processes (or containers) are killed and restarted", accepted: "a host, router or switch")
                }
                step.action = entry.name == "kill" ? .kill(node: node) : .restart(node: node)
                step.timeout = .seconds(entry.name == "kill" ? 30 : 90)
            case "heal":
                if value.isNull || (value.node.scalar?.string == "all") {
                    step.action = .heal(name: nil)
                } else {
                    let field = try scalarOrField(value, key: "name", accepted: "the name of a partition")
                    let name = try field.string(accepted: "the name of a partition")
                    guard partitions.contains(name) else {
                        throw field.error("no earlier partition is named '\(name)'", accepted: partitions.isEmpty ? "a partition step before it" : partitions.sorted().joined(separator: ", "))
                    }
                    step.action = .heal(name: name)
                }
                step.timeout = .seconds(30)
            case "await", "stop":
                let nameField: YAMLField
                var within: Duration?
                var fails = false
                if case .scalar = value.node { nameField = value } else {
                    let known = try value.fields(accepting: entry.name == "await" ? ["step", "within", "sha256", "fails"] : ["step"],
                                                 accepted: entry.name == "await" ? "a name, or {step: NAME, within: 60s, fails: true}" : "a name, or {step: NAME}")
                    nameField = try known.required("step", accepted: Accepted.background)
                    if let field = known.optional("within") { within = try duration(field) }
                    if let field = known.optional("fails") {
                        let text = try field.string(accepted: "true or false")
                        guard text == "true" || text == "false" else { throw field.error("'\(text)' is neither true nor false", accepted: "true or false") }
                        fails = text == "true"
                    }
                    if let sha = known.optional("sha256"), try sha.string(accepted: "match") != "match" {
                        // A copy checks its digest whatever this says; `match` is the only claim.
                        throw sha.error("only 'match' can be awaited", accepted: "match")
                    }
                }
                let name = try nameField.string(accepted: Accepted.background)
                guard background[name] != nil else {
                    throw nameField.error("no earlier step runs in the background as '\(name)'",
                                          accepted: background.isEmpty ? "a name given by an earlier step's background:" : background.keys.sorted().joined(separator: ", "))
                }
                step.action = entry.name == "await" ? .await(name: name, fails: fails) : .stop(name: name)
                step.timeout = within ?? (entry.name == "await" ? .seconds(600) : .seconds(30))
            default:
                try compound(entry, into: &step)
            }
            return step
        }

        /// The steps whose value is a mapping of fields.
        private mutating func compound(_ entry: YAMLEntry, into step: inout Step) throws(TopologyError) {
            let value = entry.value
            let common = ["timeout"]
            let known: [String] = switch entry.name {
            case "ping": ["from", "to", "count", "interval", "loss", "rtt"]
            case "pingall": ["count", "loss"]
            case "copy": ["from", "to", "size", "file", "name", "resume", "goodput", "background"]
            case "run": ["node", "command", "exit", "output", "background", "ready"]
            case "start": ["node", "command", "name", "ready"]
            case "link": ["end", "set", "down", "up"]
            case "capture": ["end", "stop"]
            case "filter": ["end", "name", "drop", "match", "delay", "corrupt", "remove"]
            case "partition": ["name", "groups", "from", "to"]
            case "nic": ["end", "card_memory", "checksum_lie"]
            default: ["node", "counter", "equals", "at_least", "at_most", "capture", "tshark", "frames"]
            }
            let fields = value.isNull && entry.name == "pingall"
                ? try YAMLField(node: .mapping([:]), path: value.path, file: value.file).fields(accepting: [], accepted: "")
                : try value.fields(accepting: known + common, accepted: "a mapping with keys \(known.joined(separator: ", ")) (and timeout)")
            func required(_ key: String, _ accepted: String) throws(TopologyError) -> YAMLField { try fields.required(key, accepted: accepted) }
            switch entry.name {
            case "ping":
                let count = try fields.optional("count").map { f throws(TopologyError) in try integer(f, in: 1...100_000) } ?? 5
                let interval = try fields.optional("interval").map { f throws(TopologyError) in try duration(f) } ?? .milliseconds(200)
                let to = try required("to", Accepted.node).string(accepted: Accepted.node)
                if IPv4Address(to) == nil { _ = try node(try required("to", Accepted.node)) }
                step.action = .ping(Step.Ping(
                    from: try node(try required("from", Accepted.node)), to: to, count: count, interval: interval,
                    maximumLoss: try fields.optional("loss").map { f throws(TopologyError) in try percentage(f) } ?? 0,
                    maximumRTT: try fields.optional("rtt").map { f throws(TopologyError) in try duration(f) }))
                step.timeout = interval * count + .seconds(10)
            case "pingall":
                step.action = .pingAll(Step.PingAll(
                    count: try fields.optional("count").map { f throws(TopologyError) in try integer(f, in: 1...100) } ?? 1,
                    maximumLoss: try fields.optional("loss").map { f throws(TopologyError) in try percentage(f) } ?? 0))
                step.timeout = .seconds(120)
            case "copy":
                let fromField = try required("from", Accepted.node)
                let from = try host(fromField)
                guard topology.node(named: from)?.serve != nil else {
                    throw fromField.error("\(from) does not serve files, and the copy downloads from its file server", accepted: "a host with serve: true in the topology")
                }
                let to = try host(try required("to", Accepted.node))
                var name: String?
                if let field = fields.optional("name") {
                    let text = try field.string(accepted: "a path on the hosts' disks, e.g. /big.bin")
                    guard text.hasPrefix("/"), !text.split(separator: "/").contains(".."), text.count > 1 else {
                        throw field.error("'\(text)' is not a path on a disk", accepted: "a path from the disk's root, e.g. /big.bin, without ..")
                    }
                    name = text
                }
                var resume = false
                if let field = fields.optional("resume") {
                    let text = try field.string(accepted: "true or false")
                    guard text == "true" || text == "false" else { throw field.error("'\(text)' is neither true nor false", accepted: "true or false") }
                    resume = text == "true"
                }
                if resume {
                    guard let name else { throw value.error("resume: true needs the name of the file to finish", accepted: "name: /big.bin, as the copy it finishes") }
                    for key in ["size", "file"] {
                        if let written = fields.key(key) { throw written.error("a resumed copy finishes a file that is on \(from) already", accepted: "from, to, name, resume") }
                    }
                    step.action = .copy(Step.Copy(from: from, to: to, source: .file(""), minimumGoodput: nil, name: name, resume: true))
                    step.timeout = .seconds(600)
                    step.background = try background(fields, number: step.number)
                    break
                }
                let source: Step.Copy.Source
                switch (fields.optional("size"), fields.optional("file")) {
                case let (size?, nil):
                    let text = try size.string(accepted: Accepted.size)
                    do { source = .generated(bytes: try Quantity.byteSize(text)) } catch { throw size.error(error.description) }
                case let (nil, file?):
                    source = .file(try file.string(accepted: "a local file's path"))
                default:
                    throw value.error("give exactly one of size (a generated file) and file (a local file)", accepted: "size: 64MiB, or file: PATH")
                }
                var goodput: Int?
                if let field = fields.optional("goodput") {
                    let text = try field.string(accepted: Accepted.rate)
                    do { goodput = try Quantity.bitRate(text) } catch { throw field.error(error.description) }
                }
                step.action = .copy(Step.Copy(from: from, to: to, source: source, minimumGoodput: goodput, name: name))
                step.timeout = .seconds(600)
                step.background = try background(fields, number: step.number)
            case "run", "start":
                let node = try self.node(try required("node", Accepted.node))
                let commandField = try required("command", Accepted.command)
                var command: [String]
                if case .scalar = commandField.node {
                    command = try commandField.string(accepted: Accepted.command).split(separator: " ").map(String.init)
                } else {
                    command = []
                    for item in try commandField.sequence(accepted: Accepted.command) { command.append(try item.string(accepted: Accepted.command)) }
                }
                guard !command.isEmpty else { throw commandField.error("an empty command", accepted: Accepted.command) }
                let exit = try fields.optional("exit").map { f throws(TopologyError) in Int32(try integer(f, in: 0...255)) } ?? 0
                var pattern: String?
                if let field = fields.optional("output") {
                    let text = try field.string(accepted: "a regular expression")
                    guard (try? Regex(text)) != nil else { throw field.error("'\(text)' is not a regular expression", accepted: "a regular expression") }
                    pattern = text
                }
                var ready: String?
                if let field = fields.optional("ready") {
                    let text = try field.string(accepted: "a regular expression")
                    guard (try? Regex(text)) != nil else { throw field.error("'\(text)' is not a regular expression", accepted: "a regular expression") }
                    ready = text
                }
                step.action = .run(Step.Run(node: node, command: command, exit: exit, output: pattern, ready: ready))
                // `start` is a `run` in the background under its `name`, for a later `stop`.
                step.background = try background(fields, number: step.number, key: entry.name == "start" ? "name" : "background")
                if entry.name == "start", step.background == nil {
                    throw value.error("a started program needs a name for its stop", accepted: "start: {node, command, name}")
                }
                if ready != nil, step.background == nil, let written = fields.key("ready") {
                    throw written.error("ready is for a program started in the background", accepted: "start:, or background: with it")
                }
                if ready != nil { step.timeout = .seconds(30) }
            case "link":
                let end = try self.end(try required("end", Accepted.end))
                let changes = ["set", "down", "up"].filter { fields.optional($0) != nil }
                guard changes.count == 1 else {
                    throw value.error("give exactly one of set, down, up", accepted: "set: {loss: 1%, delay: 10ms}, down: 3s (or true), up: true")
                }
                switch changes[0] {
                case "set":
                    let field = try required("set", "")
                    var pairs: [(String, String)] = []
                    for entry in try field.entries(accepted: "a mapping of impairment to value, e.g. {loss: 1%, delay: 10ms}") {
                        guard ImpairmentField(rawValue: entry.name) != nil else {
                            throw entry.key.error("unknown impairment '\(entry.name)'", accepted: ImpairmentField.allCases.map(\.rawValue).joined(separator: ", "))
                        }
                        pairs.append((entry.name, try entry.value.string(accepted: "a value as `nicbed link set` takes it")))
                    }
                    step.action = .link(Step.Link(end: end, change: .set(pairs)))
                case "down":
                    let field = try required("down", "")
                    let text = try field.string(accepted: "\(Accepted.duration), or true")
                    let pause: Duration? = text == "true" ? nil : try duration(field)
                    step.action = .link(Step.Link(end: end, change: .down(pause)))
                    step.timeout = (pause ?? .zero) + .seconds(15)
                default:
                    let field = try required("up", "")
                    guard try field.string(accepted: "true") == "true" else { throw field.error("only 'true'", accepted: "up: true") }
                    step.action = .link(Step.Link(end: end, change: .up))
                }
            case "capture":
                let end = try self.end(try required("end", Accepted.end))
                let stop = try fields.optional("stop").map { field throws(TopologyError) in
                    let text = try field.string(accepted: "true or false")
                    guard text == "true" || text == "false" else { throw field.error("'\(text)' is neither true nor false", accepted: "true or false") }
                    return text == "true"
                } ?? false
                step.action = .capture(Step.Capture(end: end, stop: stop))
                step.timeout = .seconds(15)
            case "filter":
                let end = try self.end(try required("end", Accepted.end))
                let nameField = try required("name", "a name for the rule")
                let name = try nameField.string(accepted: "a name for the rule")
                guard (1...32).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    throw nameField.error("'\(name)' is not a rule name", accepted: "1 to 32 of letters, digits, '-' and '_'")
                }
                let forms = ["drop", "match", "remove"].filter { fields.optional($0) != nil }
                switch forms.count == 1 ? forms.first : nil {
                case "drop"?, "match"?:
                    let match = try required(forms[0], "")
                    var pairs: [(String, String)] = []
                    let accepted = "a mapping of proto, src, dst, port, tcp, every, e.g. {tcp: syn}"
                    for entry in try match.fields(accepting: ["proto", "src", "dst", "port", "tcp", "every"], accepted: accepted).entries {
                        pairs.append((entry.name, try entry.value.string(accepted: accepted)))
                    }
                    if forms[0] == "match" {
                        switch (fields.optional("delay"), fields.optional("corrupt")) {
                        case let (delay?, nil):
                            let pause = try duration(delay)
                            pairs.append(("action", "delay:\(pause.components.seconds * 1000 + pause.components.attoseconds / 1_000_000_000_000_000)ms"))
                        case let (nil, corrupt?):
                            guard try corrupt.string(accepted: "true") == "true" else { throw corrupt.error("only 'true'", accepted: "corrupt: true") }
                            pairs.append(("action", "corrupt"))
                        default:
                            throw value.error("match: needs exactly one of delay and corrupt (drop: {…} drops)", accepted: "match: {tcp: ack}, delay: 200ms; or match: {…}, corrupt: true")
                        }
                    } else if let extra = fields.key("delay") ?? fields.key("corrupt") {
                        throw extra.error("drop: drops; to delay or corrupt, write match: {…} with it", accepted: "match: {…}, delay: 200ms")
                    }
                    // Checked by the node's own parser now, so a bad rule stops the scenario before it starts.
                    do { _ = try FrameRule(name: name, fields: pairs) } catch { throw match.error(error.message) }
                    step.action = .filter(Step.Filter(end: end, name: name, drop: pairs))
                case "remove"?:
                    let remove = try required("remove", "")
                    guard try remove.string(accepted: "true") == "true" else { throw remove.error("only 'true'", accepted: "remove: true") }
                    step.action = .filter(Step.Filter(end: end, name: name, drop: nil))
                default:
                    throw value.error("give exactly one of drop, match (with delay or corrupt) and remove", accepted: "drop: {tcp: syn}, match: {tcp: ack} with delay: 200ms, or remove: true")
                }
                step.timeout = .seconds(15)
            case "nic":
                let endField = try required("end", Accepted.end)
                let end = try self.end(endField)
                guard let node = topology.node(named: String(end.split(separator: ":")[0])), node.kind.runsOurStack else {
                    throw endField.error("\(end) is not on a card of ours", accepted: "an interface of a host, router or switch")
                }
                switch (fields.optional("card_memory"), fields.optional("checksum_lie")) {
                case let (size?, nil):
                    let text = try size.string(accepted: Accepted.size)
                    let bytes: Int
                    do { bytes = try Quantity.byteSize(text) } catch { throw size.error(error.description) }
                    guard node.nic.mode == .smart, bytes <= node.nic.cardMemory else {
                        throw size.error(node.nic.mode == .smart ? "\(node.name)'s card has \(Quantity.describe(bytes: node.nic.cardMemory)): it can shrink, not grow" : "\(node.name)'s card is conventional: it has no card memory",
                                         accepted: "a size up to the card's own, on a smart card")
                    }
                    step.action = .nic(end: end, change: ["card-memory", String(end.split(separator: ":")[1]), String(bytes)])
                case let (nil, lie?):
                    let text = try lie.string(accepted: "true or false")
                    guard text == "true" || text == "false" else { throw lie.error("'\(text)' is neither true nor false", accepted: "true or false") }
                    guard node.nic.checksumOffload else {
                        throw lie.error("\(node.name)'s card does not offload checksums, so it has none to lie about", accepted: "a card with checksum_offload")
                    }
                    step.action = .nic(end: end, change: ["checksum-lie", String(end.split(separator: ":")[1]), text == "true" ? "on" : "off"])
                default:
                    throw value.error("give exactly one of card_memory and checksum_lie", accepted: "card_memory: 64KiB, or checksum_lie: true")
                }
                step.timeout = .seconds(15)
            case "partition":
                let name = try fields.optional("name").map { f throws(TopologyError) in try f.string(accepted: "a name") } ?? "partition-\(step.number)"
                guard !partitions.contains(name) else {
                    throw value.error("a partition named '\(name)' is in place already", accepted: "another name, or heal it first")
                }
                var blocked: [(from: [String], to: [String])] = []
                switch (fields.optional("groups"), fields.optional("from"), fields.optional("to")) {
                case let (groups?, nil, nil):
                    var lists: [[String]] = []
                    for item in try groups.sequence(accepted: "a sequence of groups, each a sequence of nodes") { lists.append(try members(item)) }
                    guard lists.count >= 2 else { throw groups.error("a partition needs two groups at least", accepted: "[[h1], [h2]]") }
                    let all = lists.flatMap { $0 }
                    guard Set(all).count == all.count else { throw groups.error("a node is in two groups", accepted: "each node in one group") }
                    for (i, a) in lists.enumerated() { for (j, b) in lists.enumerated() where i != j { blocked.append((a, b)) } }
                case let (nil, from?, to?):
                    let (a, b) = (try members(from), try members(to))
                    guard Set(a).isDisjoint(with: b) else { throw to.error("a node is on both sides", accepted: "two groups apart") }
                    blocked = [(a, b)]
                default:
                    throw value.error("give groups (both ways), or from and to (one way)", accepted: "groups: [[h1], [h2]], or from: [h1], to: [h2]")
                }
                partitions.insert(name)
                step.action = .partition(Step.Partition(name: name, blocked: blocked))
                step.timeout = .seconds(30)
            case "expect" where fields.optional("capture") != nil:
                for key in ["node", "counter", "equals", "at_least", "at_most"] {
                    if let written = fields.key(key) { throw written.error("'\(key)' is for a counter; this expects a capture", accepted: "capture, tshark, frames") }
                }
                let end = try self.end(try required("capture", Accepted.end))
                let verdict = try required("tshark", "clean")
                guard try verdict.string(accepted: "clean") == "clean" else { throw verdict.error("only 'clean' can be expected", accepted: "clean") }
                let frames = try fields.optional("frames").map { f throws(TopologyError) in try integer(f, in: 0...Int.max) } ?? 1
                step.action = .expectCapture(Step.CaptureExpectation(end: end, minimumFrames: frames))
                step.timeout = .seconds(60)
            default:
                for key in ["tshark", "frames"] {
                    if let written = fields.key(key) { throw written.error("'\(key)' is for a capture (capture: NODE:IFACE)", accepted: "node, counter and a bound") }
                }
                let node = try self.node(try required("node", Accepted.node))
                let counter = try required("counter", "a counter of stats --json, e.g. nic.cpuCopiedBytes").string(accepted: "a counter name")
                let bounds = ["equals", "at_least", "at_most"].filter { fields.optional($0) != nil }
                guard bounds.count == 1, let bound = fields.optional(bounds[0]) else { throw value.error("no single bound", accepted: Accepted.bound) }
                let number = try integer(bound, in: Int.min...Int.max)
                let kind: Step.Expectation.Bound = switch bounds[0] {
                case "equals": .equals(number)
                case "at_least": .atLeast(number)
                default: .atMost(number)
                }
                step.action = .expect(Step.Expectation(node: node, counter: counter, bound: kind))
                step.timeout = .seconds(15)
            }
            if let field = fields.optional("timeout") { step.timeout = try duration(field) }
        }

        private mutating func background(_ fields: YAMLFields, number: Int, key: String = "background") throws(TopologyError) -> String? {
            guard let field = fields.optional(key) else { return nil }
            let name = try field.string(accepted: Accepted.background)
            guard (1...32).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw field.error("'\(name)' is not a background name", accepted: Accepted.background)
            }
            if let earlier = background[name] {
                throw field.error("step \(earlier) runs in the background as '\(name)' already", accepted: "a name not used before")
            }
            background[name] = number
            return name
        }

        /// A group of a partition: hosts and linux nodes (whose traffic is the point; routers and
        /// switches carry whatever the ends let through).
        func members(_ field: YAMLField) throws(TopologyError) -> [String] {
            var names: [String] = []
            for item in try field.sequence(accepted: "a sequence of nodes, e.g. [h1, l1]") {
                let name = try node(item)
                guard let kind = topology.node(named: name)?.kind, kind == .host || kind == .linux else {
                    throw item.error("\(name) is a \(topology.node(named: name)?.kind.rawValue ?? "") node: partitions are between hosts and linux nodes", accepted: "hosts and linux nodes")
                }
                names.append(name)
            }
            guard !names.isEmpty else { throw field.error("an empty group", accepted: "one node at least") }
            return names
        }

        func node(_ field: YAMLField) throws(TopologyError) -> String {
            let name = try field.string(accepted: Accepted.node)
            guard topology.node(named: name) != nil else {
                throw field.error("the topology has no node '\(name)'", accepted: topology.nodes.map(\.name).joined(separator: ", "))
            }
            return name
        }

        func host(_ field: YAMLField) throws(TopologyError) -> String {
            let name = try node(field)
            guard topology.node(named: name)?.kind == .host else {
                throw field.error("'\(name)' is not a host: only hosts have disks and file servers", accepted: topology.nodes.filter { $0.kind == .host }.map(\.name).joined(separator: ", "))
            }
            return name
        }

        func end(_ field: YAMLField) throws(TopologyError) -> String {
            let text = try field.string(accepted: Accepted.end)
            let parts = text.split(separator: ":").map(String.init)
            guard parts.count == 2, let node = topology.node(named: parts[0]), node.interface(named: parts[1]) != nil else {
                let ends = topology.nodes.flatMap { node in node.interfaces.map { "\(node.name):\($0.name)" } }
                throw field.error("the topology has no link end '\(text)'", accepted: ends.joined(separator: ", "))
            }
            return text
        }

        func scalarOrField(_ value: YAMLField, key: String, accepted: String) throws(TopologyError) -> YAMLField {
            if case .scalar = value.node { return value }
            return try value.fields(accepting: [key], accepted: "a name, or {\(key): NAME}").required(key, accepted: accepted)
        }

        func duration(_ field: YAMLField) throws(TopologyError) -> Duration {
            let text = try field.string(accepted: Accepted.duration)
            do { return try Quantity.duration(text) } catch { throw field.error(error.description) }
        }

        func percentage(_ field: YAMLField) throws(TopologyError) -> Double {
            let text = try field.string(accepted: Accepted.percentage)
            do { return try Quantity.fraction(percentage: text) } catch { throw field.error(error.description) }
        }

        func integer(_ field: YAMLField, in range: ClosedRange<Int>) throws(TopologyError) -> Int {
            let text = try field.string(accepted: Accepted.count)
            guard let value = Int(text), range.contains(value) else {
                throw field.error("'\(text)' is not an integer in \(range.lowerBound)...\(range.upperBound)", accepted: "an integer")
            }
            return value
        }
    }
}
