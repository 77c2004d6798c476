import Foundation

/// What one `nicbed bench` run measured: every figure with its unit, and the ratios the
/// targets are stated in, each taken between figures of this same run.
public struct BenchReport: Codable, Sendable {
    public struct Figure: Codable, Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        /// What it was measured with, in a few words (the sizes, the mode, the tool).
        public var detail: String
    }

    /// A target of the form "figure ≥ bound" or "figure ≤ bound", judged on this run.
    public struct Target: Codable, Sendable {
        public var name: String
        public var value: Double
        public var bound: Double
        public var atMost: Bool
        public var met: Bool { atMost ? value <= bound : value >= bound }
    }

    public var date: String
    public var machine: Machine
    public var figures: [Figure] = []
    public var targets: [Target] = []
    /// What could not be measured, and why (not root, a tool missing).
    public var skipped: [String] = []

    public init(machine: Machine) {
        self.machine = machine
        date = ISO8601DateFormatter().string(from: Date())
    }

    public mutating func add(_ name: String, _ value: Double, _ unit: String, _ detail: String) {
        figures.append(Figure(name: name, value: value, unit: unit, detail: detail))
    }

    public func value(_ name: String) -> Double? { figures.first { $0.name == name }?.value }

    /// Adds a target when both of its figures were measured.
    public mutating func target(_ name: String, _ value: Double?, atLeast bound: Double) {
        if let value { targets.append(Target(name: name, value: value, bound: bound, atMost: false)) }
    }

    public mutating func target(_ name: String, _ value: Double?, atMost bound: Double) {
        if let value { targets.append(Target(name: name, value: value, bound: bound, atMost: true)) }
    }

    /// The table `nicbed bench` prints and BENCHMARKS.md keeps.
    public func table() -> String {
        var lines = ["machine: \(machine.summary)", "date: \(date)", ""]
        let width = max(30, figures.map(\.name.count).max() ?? 0)
        lines.append("FIGURE".padding(toLength: width, withPad: " ", startingAt: 0) + "       VALUE  UNIT       MEASURED WITH")
        for figure in figures {
            lines.append(figure.name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(format: " %11.3f  ", figure.value) + figure.unit.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + " " + figure.detail)
        }
        if !targets.isEmpty {
            lines += ["", "TARGET".padding(toLength: width + 12, withPad: " ", startingAt: 0) + "     VALUE      BOUND  MET"]
            for target in targets {
                lines.append(target.name.padding(toLength: width + 12, withPad: " ", startingAt: 0)
                             + String(format: " %9.3f  %@%8.3f  ", target.value, target.atMost ? "≤" : "≥", target.bound)
                             + (target.met ? "yes" : "NO"))
            }
        }
        if !skipped.isEmpty { lines += [""] + skipped.map { "not measured: \($0)" } }
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The machine a run was taken on: what makes its figures comparable with another's.
public struct Machine: Codable, Sendable {
    public var cpu: String
    public var cores: Int
    public var memoryGiB: Double
    public var kernel: String

    public static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kilobytes = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } } ?? 0
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
        return Machine(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount, memoryGiB: (kilobytes / 1_048_576 * 10).rounded() / 10, kernel: kernel)
    }

    public var summary: String { "\(cores) cores (\(cpu)), \(memoryGiB) GiB, Linux \(kernel)" }
}

/// A byte count as the command line writes it: 1500, 500K, 300M, 1G (powers of 1000).
public func parseBytes(_ text: String) -> Int? {
    let units: [Character: Int] = ["K": 1_000, "M": 1_000_000, "G": 1_000_000_000]
    if let last = text.last, let unit = units[Character(last.uppercased())] {
        return Int(text.dropLast()).map { $0 * unit }
    }
    return Int(text)
}
