import Foundation
import SmartNIC
import Topology

/// What a step's output says, against what the step expects: each returns what it measured,
/// and on failure the expectation next to the measurement.
extension ScenarioRunner {
    /// iputils' summary (`5 packets transmitted, 5 received, 0% packet loss` and `rtt
    /// min/avg/max/mdev = …`), which our ping prints too; busybox's (`… 3 packets received`,
    /// `round-trip min/avg/max = …`) from a user's image.
    static func judgePing(_ printed: String, _ ping: Step.Ping) -> Verdict {
        guard let counts = printed.firstMatch(of: /(\d+) packets transmitted, (\d+) (?:packets )?received/),
              let sent = Int(counts.1), let received = Int(counts.2), sent > 0 else {
            return .fail("ping printed no summary", measured: printed.split(separator: "\n").last.map(String.init) ?? "")
        }
        let loss = Double(sent - received) / Double(sent)
        var measured = "loss \(Quantity.describe(fraction: loss)) (\(received)/\(sent))"
        var average: Double?
        if let rtt = printed.firstMatch(of: /= ([0-9.]+)\/([0-9.]+)\/([0-9.]+)/), let avg = Double(rtt.2) {
            average = avg
            measured += ", rtt avg \(rtt.2) ms"
        }
        if loss > ping.maximumLoss + 1e-9 {
            return .fail("expected loss at most \(Quantity.describe(fraction: ping.maximumLoss)), measured \(Quantity.describe(fraction: loss)) (\(received) of \(sent) answered)", measured: measured)
        }
        if let bound = ping.maximumRTT {
            let limit = Double(bound.components.seconds) * 1000 + Double(bound.components.attoseconds) / 1e15
            guard let average else { return .fail("expected an average rtt, and no reply came", measured: measured) }
            if average > limit {
                return .fail("expected an average rtt of at most \(Quantity.describe(bound)), measured \(average) ms", measured: measured)
            }
        }
        return .pass(measured)
    }

    /// `*** Results: 0% dropped (12/12 received)`, as `nicbed pingall` prints it.
    static func judgePingAll(_ printed: String, _ all: Step.PingAll) -> Verdict {
        guard let results = printed.firstMatch(of: /\*\*\* Results: (\d+)% dropped \((\d+)\/(\d+) received\)/),
              let dropped = Int(results.1) else {
            return .fail("pingall printed no results", measured: printed.split(separator: "\n").last.map(String.init) ?? "")
        }
        let measured = "\(dropped)% dropped (\(results.2)/\(results.3) received)"
        guard Double(dropped) <= all.maximumLoss * 100 + 1e-9 else {
            return .fail("expected at most \(Quantity.describe(fraction: all.maximumLoss)) dropped, measured \(dropped)%", measured: measured)
        }
        return .pass(measured)
    }

    static func judgeRun(_ status: Int32, _ printed: String, _ run: Step.Run) -> Verdict {
        let last = printed.split(separator: "\n").last.map(String.init) ?? ""
        let measured = "exit \(status)" + (last.isEmpty ? "" : ", last line: \(last.prefix(200))")
        guard status == run.exit else { return .fail("expected exit status \(run.exit), measured \(status)", measured: measured) }
        if let pattern = run.output, let regex = try? Regex(pattern), printed.firstMatch(of: regex) == nil {
            return .fail("expected output matching /\(pattern)/, and none of its \(printed.split(separator: "\n").count) lines does", measured: measured)
        }
        return .pass(measured)
    }

    /// cp's last line: `h1:/f -> h2:/f: N bytes in T s, R Mbit/s; sha256 A = B` (`!=` and
    /// MISMATCH, exit 1, when they differ).
    static func judgeCopy(_ status: Int32, _ printed: String, _ copy: Step.Copy) -> Verdict {
        guard let line = printed.split(separator: "\n").last(where: { $0.contains(" sha256 ") }).map(String.init) else {
            return .fail("the copy ended (status \(status)) without a result line", measured: printed.split(separator: "\n").last.map(String.init) ?? "")
        }
        let rate = line.firstMatch(of: /([0-9.]+) Mbit\/s/).flatMap { Double($0.1) }
        let bytes = line.firstMatch(of: /: (\d+) bytes in/).map { String($0.1) } ?? "?"
        let measured = "\(bytes) bytes at \(rate.map { String(format: "%.1f", $0) } ?? "?") Mbit/s, sha256 \(line.contains(" != ") ? "differs" : "matches")"
        guard status == 0, !line.contains(" != ") else { return .fail("expected the same SHA-256 at both ends and exit 0, measured exit \(status): \(line)", measured: measured) }
        if let minimum = copy.minimumGoodput, let rate, rate * 1e6 < Double(minimum) {
            return .fail("expected a goodput of at least \(Quantity.describe(bitRate: minimum)), measured \(String(format: "%.1f", rate)) Mbit/s", measured: measured)
        }
        return .pass(measured)
    }

    static func judgeCounter(_ printed: String, _ expectation: Step.Expectation) -> Verdict {
        guard let json = try? JSONSerialization.jsonObject(with: Data(printed.utf8)) else {
            return .fail("stats --json did not print JSON", measured: String(printed.prefix(200)))
        }
        guard let value = CounterPath.resolve(expectation.counter.split(separator: ".").map(String.init), in: json) else {
            return .fail("\(expectation.node) has no counter '\(expectation.counter)' in stats --json (e.g. nic.cpuCopiedBytes, port.droppedLoss, stack.forwarded, ports.h1:eth0.receivedFrames)")
        }
        let measured = "\(expectation.counter) = \(value)"
        switch expectation.bound {
        case .equals(let wanted) where value != wanted: return .fail("expected \(expectation.counter) = \(wanted), measured \(value)", measured: measured)
        case .atLeast(let wanted) where value < wanted: return .fail("expected \(expectation.counter) >= \(wanted), measured \(value)", measured: measured)
        case .atMost(let wanted) where value > wanted: return .fail("expected \(expectation.counter) <= \(wanted), measured \(value)", measured: measured)
        default: return .pass(measured)
        }
    }
}

/// A counter named by its path in `stats --json`: `stack.forwarded`, `ports.h1:eth0.droppedLoss`;
/// `nic.X` and `port.X` sum X over the node's NICs or ports; a name the level lacks is looked
/// for one level down (`nic.cpuCopiedBytes` is in each NIC's `counters`).
enum CounterPath {
    static func resolve(_ path: [String], in value: Any) -> Int? {
        guard let first = path.first else {
            // Counters are integers (a string, such as a NIC's mode, is not one).
            return (value as? Int) ?? (value as? NSNumber)?.intValue
        }
        guard let object = value as? [String: Any] else { return nil }
        let alias = ["nic": "nics", "port": "ports"][first]
        if let alias, let named = object[alias] as? [String: Any] {
            return sum(Array(path.dropFirst()), over: named)
        }
        if let child = object[first] { return resolve(Array(path.dropFirst()), in: child) }
        // One level down, in the single child mapping that has it (a NIC's `counters`).
        let found = object.values.compactMap { ($0 as? [String: Any]).flatMap { resolve(path, in: $0) } }
        return found.count == 1 ? found[0] : nil
    }

    private static func sum(_ path: [String], over named: [String: Any]) -> Int? {
        let values = named.values.compactMap { resolve(path, in: $0) }
        return values.count == named.count && !values.isEmpty ? values.reduce(0, +) : nil
    }
}

/// Seeded random bytes, written in fixed memory: a `copy` step's file, the same for a seed.
enum SeededFile {
    static func write(bytes: Int, seed: UInt64, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? handle.close() }
        var random = SeededRandom(seed: seed)
        var left = bytes
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while left > 0 {
            let count = min(left, chunk.count)
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for index in 0..<min(words.count, (count + 7) / 8) { words[index] = random.next() }
            }
            try handle.write(contentsOf: chunk[..<count])
            left -= count
        }
    }
}
