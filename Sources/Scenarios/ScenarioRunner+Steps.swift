import Foundation
import Testbed
import Topology
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Each kind of step: the commands it runs and what it measures in their output.
extension ScenarioRunner {
    func perform(_ step: Step) -> (ScenarioReport.Outcome, Verdict, String?) {
        let seconds = Double(step.timeout.components.seconds) + Double(step.timeout.components.attoseconds) / 1e18
        let deadline = Date().addingTimeInterval(seconds)
        func finish(_ verdict: Verdict, _ output: String? = nil) -> (ScenarioReport.Outcome, Verdict, String?) {
            (verdict.failure == nil ? .passed : .failed, verdict, output)
        }
        switch step.action {
        case .ping(let ping):
            guard let target = IPv4Address(ping.to) != nil ? ping.to : address(of: ping.to) else {
                return finish(.fail("\(ping.to) has no address to ping"))
            }
            let interval = String(format: "%.3f", Double(ping.interval.components.attoseconds) / 1e18 + Double(ping.interval.components.seconds))
            let arguments = ["exec", ping.from, "ping", "-c", String(ping.count), "-i", interval, target]
            return finish(command(arguments, label: label(step), seconds: seconds) { _, printed in
                Self.judgePing(printed, ping)
            }, "\(label(step)).out")
        case .pingAll(let all):
            return finish(command(["pingall", "-c", String(all.count)], label: label(step), seconds: seconds) { _, printed in
                Self.judgePingAll(printed, all)
            }, "\(label(step)).out")
        case .copy(let copy):
            return copyStep(step, copy, deadline: deadline)
        case .run(let run):
            let arguments = ["exec", run.node, "--"] + run.command
            let check: (Int32, String) -> Verdict = { status, printed in Self.judgeRun(status, printed, run) }
            if let name = step.background {
                let started = startBackground(step, name: name, arguments: arguments, check: check)
                guard let pattern = run.ready, started.0 == .started, let regex = try? Regex(pattern),
                      let running = background[name] else { return started }
                // Ready when its output says so: the next step may rely on it.
                while Date() < deadline && !Interrupt.requested {
                    if running.command.printed.firstMatch(of: regex) != nil {
                        return (.started, .pass("running in the background as '\(name)', ready (/\(pattern)/) after \(String(format: "%.2f", Date().timeIntervalSince(running.started))) s"), started.2)
                    }
                    if !running.command.isRunning {
                        return (.failed, .fail("'\(name)' ended before its output matched /\(pattern)/", measured: lastLine(running.command.printed)), started.2)
                    }
                    usleep(20_000)
                }
                return (.failed, .fail("'\(name)' printed nothing matching /\(pattern)/ within \(Quantity.describe(step.timeout))", measured: lastLine(running.command.printed)), started.2)
            }
            return finish(command(arguments, label: label(step), seconds: seconds, judge: check), "\(label(step)).out")
        case .link(let link):
            switch link.change {
            case .set(let pairs):
                let arguments = ["link", "set", link.end] + pairs.flatMap { [$0.0, $0.1] }
                return finish(command(arguments, label: label(step), seconds: seconds) { status, printed in
                    status == 0 ? .pass(pairs.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
                })
            case .up, .down(nil):
                let action = if case .up = link.change { "up" } else { "down" }
                return finish(command(["link", action, link.end], label: label(step), seconds: seconds) { status, printed in
                    status == 0 ? .pass("\(link.end) \(action)") : .fail("`nicbed link \(action) \(link.end)` exited \(status): \(lastLine(printed))")
                })
            case .down(let pause?):
                let down = command(["link", "down", link.end], label: label(step, "down"), seconds: 15) { status, printed in
                    status == 0 ? .pass("") : .fail("`nicbed link down \(link.end)` exited \(status): \(lastLine(printed))")
                }
                if down.failure != nil { return finish(down) }
                sleep(for: pause)
                return finish(command(["link", "up", link.end], label: label(step, "up"), seconds: 15) { status, printed in
                    status == 0 ? .pass("\(link.end) down for \(Quantity.describe(pause)), then up")
                        : .fail("`nicbed link up \(link.end)` exited \(status): \(lastLine(printed))")
                })
            }
        case .wait(let pause):
            sleep(for: pause)
            return finish(Interrupt.requested ? .fail("interrupted") : .pass("waited \(Quantity.describe(pause))"))
        case .kill(let node):
            do {
                let (running, located) = try RunningTopology.locate(node: node, runName: runName)
                try running.crash(located)
                return finish(.pass("killed \(node)"))
            } catch {
                return finish(.fail("cannot kill \(node): \(error.description)"))
            }
        case .restart(let node):
            do {
                let (running, located) = try RunningTopology.locate(node: node, runName: runName)
                let began = Date()
                try running.restart(located, timeout: seconds)
                return finish(.pass("\(node) answers again after \(String(format: "%.2f", Date().timeIntervalSince(began))) s"))
            } catch {
                return finish(.fail("cannot restart \(node): \(error.description)"))
            }
        case .expect(let expectation):
            return finish(command(["exec", expectation.node, "stats", "--json"], label: label(step), seconds: seconds) { status, printed in
                guard status == 0 else { return .fail("`nicbed exec \(expectation.node) stats --json` exited \(status): \(lastLine(printed))") }
                return Self.judgeCounter(printed, expectation)
            }, "\(label(step)).out")
        case .capture(let capture):
            let arguments = ["capture"] + (capture.stop ? ["--stop"] : []) + [capture.end]
            return finish(command(arguments, label: label(step), seconds: seconds) { status, printed in
                status == 0 ? .pass(lastLine(printed)) : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
            })
        case .filter(let filter):
            let (node, interface, incoming) = ourPort(for: filter.end)
            let direction: [String] = incoming ? ["--incoming"] : []
            var arguments: [String] = ["exec", node, "filter", filter.drop == nil ? "del" : "add", interface] + direction + [filter.name]
            for (field, value) in filter.drop ?? [] { arguments += [field, value] }
            return finish(command(arguments, label: label(step), seconds: seconds) { status, printed in
                status == 0 ? .pass(lastLine(printed)) : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
            })
        case let .nic(end, change):
            let node = String(end.split(separator: ":")[0])
            let arguments = ["exec", node, "nic"] + change
            return finish(command(arguments, label: label(step), seconds: seconds) { status, printed in
                status == 0 ? .pass(lastLine(printed)) : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
            })
        case .partition(let partition):
            var installed: [InstalledRule] = []
            for (from, to) in partition.blocked {
                let addresses = to.flatMap { name in topology.node(named: name)?.interfaces.compactMap { $0.address?.address.description } ?? [] }
                for member in from {
                    for interface in topology.node(named: member)?.interfaces ?? [] {
                        let (node, port, incoming) = ourPort(for: "\(member):\(interface.name)")
                        for address in addresses {
                            let rule = InstalledRule(node: node, interface: port, incoming: incoming,
                                                     name: "\(partition.name).\(installed.count + 1)")
                            let arguments = ["exec", node, "filter", "add", port] + (incoming ? ["--incoming"] : []) + [rule.name, "dst", address]
                            let added = command(arguments, label: label(step, String(installed.count + 1)), seconds: 15) { status, printed in
                                status == 0 ? .pass("") : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
                            }
                            if added.failure != nil {
                                partitions[partition.name] = installed
                                return finish(added)
                            }
                            installed.append(rule)
                        }
                    }
                }
            }
            partitions[partition.name] = installed
            let sides = partition.blocked.map { "\($0.from.joined(separator: ",")) -/-> \($0.to.joined(separator: ","))" }
            return finish(.pass("\(sides.joined(separator: "; ")) (\(installed.count) rules)"))
        case .heal(let name):
            let names = name.map { [$0] } ?? partitions.keys.sorted()
            var removed = 0
            for partition in names {
                for rule in partitions.removeValue(forKey: partition) ?? [] {
                    let arguments = ["exec", rule.node, "filter", "del", rule.interface] + (rule.incoming ? ["--incoming"] : []) + [rule.name]
                    let deleted = command(arguments, label: label(step, String(removed + 1)), seconds: 15) { status, printed in
                        status == 0 ? .pass("") : .fail("`nicbed \(arguments.joined(separator: " "))` exited \(status): \(lastLine(printed))")
                    }
                    if deleted.failure != nil { return finish(deleted) }
                    removed += 1
                }
            }
            return finish(.pass("healed \(names.isEmpty ? "nothing" : names.joined(separator: ", ")) (\(removed) rules removed)"))
        case .expectCapture(let expectation):
            return finish(checkCapture(expectation, label: label(step), seconds: seconds), "\(label(step)).out")
        case let .await(name, fails):
            guard let running = background.removeValue(forKey: name) else { return finish(.fail("nothing runs as '\(name)'")) }
            switch running.command.wait(until: deadline) {
            case .exited(let status):
                let verdict = running.check(status, running.command.printed)
                guard fails else { return finish(verdict, running.command.outputPath) }
                // Expected to fail: its failure is the measurement, and success the surprise.
                return finish(verdict.failure.map { .pass("failed as expected: \($0)") }
                    ?? .fail("expected '\(name)' to fail, and it passed", measured: verdict.measured), running.command.outputPath)
            case .timedOut where fails:
                // Hung by the fault (a damaged header can stall a connection): a failure too.
                return finish(.pass("failed as expected: did not end within \(Quantity.describe(step.timeout)), stopped"), running.command.outputPath)
            case .timedOut:
                return finish(.fail("'\(name)' (step \(running.step.number)) did not end within \(Quantity.describe(step.timeout))",
                                    measured: lastLine(running.command.printed)), running.command.outputPath)
            case .interrupted: return finish(.fail("interrupted"))
            }
        case .stop(let name):
            guard let running = background.removeValue(forKey: name) else { return finish(.fail("nothing runs as '\(name)'")) }
            running.command.stop()
            return finish(.pass("stopped '\(name)' after \(String(format: "%.1f", Date().timeIntervalSince(running.started))) s"), running.command.outputPath)
        }
    }

    private func startBackground(_ step: Step, name: String, arguments: [String],
                                 check: @escaping (Int32, String) -> Verdict) -> (ScenarioReport.Outcome, Verdict, String?) {
        let path = "\(artifacts)/\(label(step)).out"
        do {
            let running = try StepCommand(nicbed, arguments, outputPath: path)
            background[name] = Background(step: step, command: running, started: Date(), check: check)
            return (.started, .pass("running in the background as '\(name)'"), path)
        } catch {
            return (.failed, .fail("cannot start nicbed \(arguments.joined(separator: " ")): \(error.localizedDescription)"), nil)
        }
    }

    /// A generated file (seeded random bytes) or a given one goes onto `from`'s disk, then
    /// from `from` to `to` over the emulated network; cp's last line gives the digests and the
    /// goodput.
    private func copyStep(_ step: Step, _ copy: Step.Copy, deadline: Date) -> (ScenarioReport.Outcome, Verdict, String?) {
        let remote = copy.name ?? "/scenario-\(scenario.name)-\(step.number).bin"
        let check: (Int32, String) -> Verdict = { status, printed in Self.judgeCopy(status, printed, copy) }
        if copy.resume {
            let arguments = ["cp", "--resume", "\(copy.from):\(remote)", "\(copy.to):\(remote)"]
            if let name = step.background { return startBackground(step, name: name, arguments: arguments, check: check) }
            let verdict = command(arguments, label: label(step), seconds: max(1, deadline.timeIntervalSinceNow), judge: check)
            return (verdict.failure == nil ? .passed : .failed, verdict, "\(artifacts)/\(label(step)).out")
        }
        let local: String
        switch copy.source {
        case .file(let path): local = path
        case .generated(let bytes):
            local = "\(artifacts)/\(label(step)).bin"
            do { try SeededFile.write(bytes: bytes, seed: options.seed &+ UInt64(step.number), to: local) } catch {
                return (.failed, .fail("cannot write \(local): \(error.localizedDescription)"), nil)
            }
        }
        let upload = command(["cp", local, "\(copy.from):\(remote)"], label: label(step, "upload"), seconds: 300) { status, printed in
            status == 0 ? .pass("") : .fail("putting \(local) on \(copy.from) failed (status \(status)): \(lastLine(printed))")
        }
        if upload.failure != nil { return (.failed, upload, "\(artifacts)/\(label(step, "upload")).out") }
        if case .generated = copy.source { try? FileManager.default.removeItem(atPath: local) }
        let arguments = ["cp", "\(copy.from):\(remote)", "\(copy.to):\(remote)"]
        if let name = step.background { return startBackground(step, name: name, arguments: arguments, check: check) }
        let seconds = max(1, deadline.timeIntervalSinceNow)
        let verdict = command(arguments, label: label(step), seconds: seconds, judge: check)
        return (verdict.failure == nil ? .passed : .failed, verdict, "\(artifacts)/\(label(step)).out")
    }

    /// The end's pcap in the run directory, read twice by tshark with checksum validation on:
    /// once for the frames, once for the problems.
    private func checkCapture(_ expectation: Step.CaptureExpectation, label: String, seconds: Double) -> Verdict {
        let parts = expectation.end.split(separator: ":").map(String.init)
        let pcap = RunDirectory(topologyName: runName).capturePath(node: parts[0], interface: parts[1])
        guard FileManager.default.fileExists(atPath: pcap) else { return .fail("no capture of \(expectation.end) at \(pcap): start one with a capture step") }
        guard let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return .fail("tshark is not installed (apt-get install tshark)")
        }
        let validation = ["-n", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-r", pcap]
        func count(_ filter: [String], part: String) -> Int? {
            guard let run = try? StepCommand(tshark, validation + filter + ["-T", "fields", "-e", "frame.number"], outputPath: "\(artifacts)/\(label)-\(part).out"),
                  run.wait(until: Date().addingTimeInterval(seconds / 2)) == .exited(0) else { return nil }
            return run.printed.split(separator: "\n").filter { Int($0) != nil }.count
        }
        let problems = "_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0"
        guard let frames = count([], part: "frames"), let bad = count(["-Y", problems], part: "problems") else {
            return .fail("tshark could not read \(pcap) (see \(artifacts)/\(label)-*.out)")
        }
        let measured = "\(frames) frames, \(bad) with problems"
        if bad > 0 { return .fail("expected no malformed frame and no bad checksum, measured \(bad) of \(frames)", measured: measured) }
        if frames < expectation.minimumFrames { return .fail("expected at least \(expectation.minimumFrames) frames, measured \(frames)", measured: measured) }
        return .pass(measured)
    }

    /// Where a rule for the frames a link end sends goes: that end's own port when the node is
    /// ours, else the far end's, filtering what arrives (`--incoming`).
    func ourPort(for end: String) -> (node: String, interface: String, incoming: Bool) {
        let parts = end.split(separator: ":").map(String.init)
        guard let node = topology.node(named: parts[0]), !node.kind.runsOurStack,
              let link = topology.links.first(where: { $0.a == Endpoint(node: parts[0], interface: parts[1]) || $0.b == Endpoint(node: parts[0], interface: parts[1]) }) else {
            return (parts[0], parts[1], false)
        }
        let far = link.a.node == parts[0] && link.a.interface == parts[1] ? link.b : link.a
        return (far.node, far.interface, true)
    }

    /// Sleeps, waking for an interrupt.
    func sleep(for pause: Duration) {
        let until = Date().addingTimeInterval(Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
        while Date() < until && !Interrupt.requested { usleep(20_000) }
    }

    func summary(_ step: Step) -> String {
        switch step.action {
        case .ping(let ping): "ping \(ping.from) -> \(ping.to) (\(ping.count))"
        case .pingAll(let all): "pingall (\(all.count) each)"
        case .copy(let copy) where copy.resume: "copy \(copy.name ?? "") \(copy.from) -> \(copy.to), resumed"
        case .copy(let copy):
            switch copy.source {
            case .generated(let bytes): "copy \(Quantity.describe(bytes: bytes)) \(copy.from) -> \(copy.to)"
            case .file(let path): "copy \(path) \(copy.from) -> \(copy.to)"
            }
        case .run(let run): "\(step.background == nil ? "run" : "start") on \(run.node): \(run.command.joined(separator: " "))"
        case .link(let link):
            switch link.change {
            case .set(let pairs): "link \(link.end) set \(pairs.map { "\($0.0) \($0.1)" }.joined(separator: " "))"
            case .down(let pause?): "link \(link.end) down for \(Quantity.describe(pause))"
            case .down(nil): "link \(link.end) down"
            case .up: "link \(link.end) up"
            }
        case .wait(let pause): "wait \(Quantity.describe(pause))"
        case .kill(let node): "kill \(node)"
        case .restart(let node): "restart \(node)"
        case .expect(let expectation):
            switch expectation.bound {
            case .equals(let value): "expect \(expectation.node) \(expectation.counter) = \(value)"
            case .atLeast(let value): "expect \(expectation.node) \(expectation.counter) >= \(value)"
            case .atMost(let value): "expect \(expectation.node) \(expectation.counter) <= \(value)"
            }
        case .capture(let capture): "capture \(capture.end)\(capture.stop ? " stop" : "")"
        case .filter(let filter):
            filter.drop.map { pairs in
                let verb = pairs.first { $0.0 == "action" }?.1.replacingOccurrences(of: "delay:", with: "delay ") ?? "drop"
                return "filter \(filter.end) \(filter.name): \(verb) \(pairs.filter { $0.0 != "action" }.map { "\($0.0) \($0.1)" }.joined(separator: " "))"
            } ?? "filter \(filter.end) \(filter.name) removed"
        case .partition(let partition):
            "partition \(partition.name): \(partition.blocked.map { "\($0.from.joined(separator: ",")) -/-> \($0.to.joined(separator: ","))" }.joined(separator: "; "))"
        case .heal(let name): "heal \(name ?? "every partition")"
        case let .nic(end, change): "nic \(end) \(change[0]) \(change.dropFirst(2).joined(separator: " "))"
        case .expectCapture(let expectation): "expect capture \(expectation.end) clean in tshark"
        case let .await(name, fails): "await \(name)\(fails ? " (to fail)" : "")"
        case .stop(let name): "stop \(name)"
        }
    }
}
