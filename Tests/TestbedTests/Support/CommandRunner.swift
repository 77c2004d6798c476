import Foundation

/// What a command printed and how it ended.
struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs `nicbed` (or another tool) to its end, through `BackgroundCommand`.
enum CommandRunner {
    /// Long enough for the slowest command a test runs here (a 1 GiB copy); a command still
    /// running then is killed and the test fails with its output.
    static let defaultSeconds: Double = 600

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    seconds: Double = defaultSeconds) throws -> CommandResult {
        try BackgroundCommand(executable, arguments, environment: environment).wait(seconds: seconds)
    }
}
