import Foundation
import Fuzzing

// Built two ways (scripts/fuzz). With -sanitize=fuzzer and -DFUZZING, libFuzzer drives the
// target NICBED_FUZZ_TARGET names. Otherwise, a tool that replays inputs through a target
// without libFuzzer (to reproduce a finding under a debugger) and writes the seed corpora.

#if FUZZING
nonisolated(unsafe) var selected = FuzzTarget.frame

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

// libFuzzer's entry for programs that have their own main: SwiftPM gives every executable one.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main enum FuzzMain {
    static func main() {
        let name = ProcessInfo.processInfo.environment["NICBED_FUZZ_TARGET"] ?? ""
        if name == "list" {
            for target in FuzzTarget.allCases { print(target.rawValue) }
            exit(0)
        }
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("NICBED_FUZZ_TARGET must name a target: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}
#else
@main enum FuzzMain {
    static let usage = """
        usage: nicbed-fuzz replay TARGET FILE|DIRECTORY...   run inputs through a target
               nicbed-fuzz seeds DIRECTORY                  write the generated seed inputs
               nicbed-fuzz list                             the targets
        The fuzzing build (scripts/fuzz) runs the same targets under libFuzzer.
        """

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            for target in FuzzTarget.allCases { print(target.rawValue) }
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTarget(rawValue: arguments[1]) else { fail("no target '\(arguments[1])'") }
            var count = 0
            for path in arguments.dropFirst(2) {
                for file in files(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                    data.withUnsafeBytes { target.run($0) }
                    count += 1
                }
            }
            print("\(target.rawValue): \(count) inputs replayed, no finding")
        case "seeds" where arguments.count == 2:
            for (target, inputs) in SeedInputs.generate() {
                let directory = "\(arguments[1])/\(target.rawValue)"
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                for (index, input) in inputs.enumerated() {
                    FileManager.default.createFile(atPath: String(format: "%@/seed-%03d", directory, index), contents: Data(input))
                }
                print("\(target.rawValue): \(inputs.count) seeds in \(directory)")
            }
        default:
            fail(usage)
        }
    }

    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
#endif
