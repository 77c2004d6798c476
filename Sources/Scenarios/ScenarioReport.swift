import Foundation

/// What a scenario run found, step by step: what ran, what was measured, what was expected
/// when it failed. Printed as lines, and written as JSON and as JUnit XML for CI systems.
public struct ScenarioReport: Codable, Sendable {
    public enum Outcome: String, Codable, Sendable { case passed, failed, skipped, started }

    public struct StepResult: Codable, Sendable {
        public var number: Int
        public var kind: String
        /// The step as a person would say it: `ping h1 -> h2 (5)`.
        public var summary: String
        public var location: String
        public var outcome: Outcome
        /// What was measured (`loss 0% (5/5), rtt avg 0.41 ms`).
        public var measured: String
        /// Why it failed: what was expected against what was measured.
        public var failure: String?
        public var seconds: Double
        /// The file with what the step's commands printed, when there is one.
        public var output: String?
    }

    public var scenario: String
    public var file: String
    public var topology: String
    public var launcher: String
    public var passed: Bool
    public var seconds: Double
    public var steps: [StepResult]
    /// What went wrong outside the steps: the topology did not come up, an interrupt.
    public var error: String?
    /// Logs, captures and step outputs, kept after the topology is gone.
    public var artifacts: String

    public var failedStep: StepResult? { steps.first { $0.outcome == .failed } }

    public static func line(_ step: StepResult) -> String {
        let mark = switch step.outcome {
        case .passed: "ok  "
        case .failed: "FAIL"
        case .skipped: "skip"
        case .started: "bg  "
        }
        var text = "  \(mark) \(String(format: "%2d", step.number)) \(step.summary)"
        if !step.measured.isEmpty { text += ": \(step.measured)" }
        text += String(format: " (%.1f s)", step.seconds)
        if let failure = step.failure { text += "\n         \(failure) [\(step.location)]" }
        return text
    }

    public var summaryLine: String {
        if passed { return "PASS \(scenario): \(steps.count) steps in \(String(format: "%.1f", seconds)) s (artifacts: \(artifacts))" }
        let why = error ?? failedStep.map { "step \($0.number) (\($0.kind)): \($0.failure ?? "failed")" } ?? "failed"
        return "FAIL \(scenario): \(why) (artifacts: \(artifacts))"
    }
}

/// JUnit XML, as Jenkins, GitLab and GitHub's test reporters read it: a test suite per
/// scenario, a test case per step.
public enum JUnitReport {
    public static func render(_ reports: [ScenarioReport]) -> String {
        let failures = reports.reduce(0) { $0 + $1.steps.filter { $0.outcome == .failed }.count + ($1.error != nil ? 1 : 0) }
        let tests = reports.reduce(0) { $0 + $1.steps.count + ($1.error != nil ? 1 : 0) }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"nicbed test\" tests=\"\(tests)\" failures=\"\(failures)\" time=\"\(time(reports.reduce(0) { $0 + $1.seconds }))\">\n"
        for report in reports {
            let failed = report.steps.filter { $0.outcome == .failed }.count + (report.error != nil ? 1 : 0)
            let skipped = report.steps.filter { $0.outcome == .skipped }.count
            xml += "  <testsuite name=\"\(escape(report.scenario))\" file=\"\(escape(report.file))\" tests=\"\(report.steps.count + (report.error != nil ? 1 : 0))\" failures=\"\(failed)\" skipped=\"\(skipped)\" time=\"\(time(report.seconds))\">\n"
            xml += "    <properties><property name=\"topology\" value=\"\(escape(report.topology))\"/><property name=\"launcher\" value=\"\(escape(report.launcher))\"/><property name=\"artifacts\" value=\"\(escape(report.artifacts))\"/></properties>\n"
            if let error = report.error {
                xml += "    <testcase classname=\"\(escape(report.scenario))\" name=\"set-up and tear-down\" time=\"0\"><failure message=\"\(escape(error))\">\(escape(error))</failure></testcase>\n"
            }
            for step in report.steps {
                let name = "\(String(format: "%02d", step.number)) \(step.summary)"
                xml += "    <testcase classname=\"\(escape(report.scenario))\" name=\"\(escape(name))\" file=\"\(escape(step.location))\" time=\"\(time(step.seconds))\">"
                switch step.outcome {
                case .failed:
                    let message = step.failure ?? "failed"
                    xml += "<failure message=\"\(escape(message))\">\(escape("\(message)\nmeasured: \(step.measured)\nat \(step.location)"))</failure>"
                case .skipped: xml += "<skipped message=\"an earlier step failed\"/>"
                case .passed, .started: break
                }
                if !step.measured.isEmpty { xml += "<system-out>\(escape(step.measured))</system-out>" }
                xml += "</testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }

    private static func time(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    /// The five XML entities, and control characters (which XML 1.0 cannot carry) as `?`.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\n", "\t", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20: result += "?"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
