import Foundation
import Testing

/// Every subcommand's `--help`, as an 80-column terminal shows it: an example to copy, and
/// prose that wraps where the terminal wraps it (no line broken in mid-sentence by a hard
/// newline in the source, which leaves a stub line followed by the sentence's rest).
@Suite("help texts")
struct HelpTexts {
    static func help(_ arguments: [String]) throws -> String {
        try CommandRunner.run(try Environment.nicbed, arguments, environment: ["COLUMNS": "80"]).output
    }

    /// The subcommands `nicbed --help` lists.
    static func subcommands() throws -> [String] {
        let text = try help(["--help"])
        guard let section = text.range(of: "SUBCOMMANDS:") else { return [] }
        // The section ends at its first empty line ("See 'nicbed help …'" follows).
        let listing = text[section.upperBound...].dropFirst().split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        return listing.compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first, !word.hasPrefix("-") else { return nil }
            return String(word)
        }
    }

    @Test func everySubcommandShowsAnExampleAndWrapsCleanly() throws {
        let names = try Self.subcommands()
        #expect(names.count >= 15, "\(names)")
        #expect(names.contains("web") && names.contains("capture"))
        for name in names where name != "help" {
            let lines = try Self.help([name, "--help"]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let examples = lines.filter { $0.hasPrefix("  ") && $0.contains("nicbed \(name)") }
            #expect(!examples.isEmpty, "nicbed \(name) --help has no example")
            let prose = lines.prefix { !$0.hasPrefix("USAGE:") }
            for (line, next) in zip(prose, prose.dropFirst()) where !line.hasPrefix(" ") && !line.isEmpty {
                let stub = line.count < 40 && !line.hasSuffix(":") && !line.hasSuffix(".")
                let continues = next.first.map { $0.isLowercase || $0 == "(" || $0 == "`" } ?? false
                #expect(!(stub && continues), "nicbed \(name) --help breaks a sentence: '\(line)' / '\(next)'")
            }
        }
    }
}
