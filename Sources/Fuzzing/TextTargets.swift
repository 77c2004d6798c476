import Foundation
import Scenarios
import Testbed
import Topology

/// A topology file: parsed, or refused with an error that names a place in the file.
enum TopologyTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        do {
            _ = try Topology.parse(yaml: text, sourcePath: "fuzz.yaml")
        } catch {
            invariant(error.file == "fuzz.yaml" && !error.message.isEmpty, "an error without a place or a message: \(error)")
        }
    }
}

/// A scenario file: parsed, or refused with an error that names the file.
enum ScenarioTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let text = String(decoding: input, as: UTF8.self)
        do {
            _ = try ScenarioParser.parse(text, file: "fuzz.yaml")
        } catch {
            // The scenario's own file, or the topology file it names when the mistake is in that
            // file (`topology: some.yaml` resolves against the folder the fuzzer runs in).
            invariant(!error.file.isEmpty && !error.message.isEmpty, "an error without a place or a message: \(error)")
            invariant(error.file == "fuzz.yaml" || !error.message.hasPrefix("is a directory"),
                      "a topology path that is a directory, not named at the scenario's field: \(error)")
        }
    }
}

/// Bytes on a node's control socket: split into lines (a line too long is refused), each
/// decoded as a request, as the node does.
enum ControlLineTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        var splitter = LineSplitter(maximumLineLength: 4096)
        // In two writes, cut where the first byte says: a line may span reads.
        let cut = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
        do {
            var lines = try splitter.append(UnsafeRawBufferPointer(rebasing: input[..<cut]))
            lines += try splitter.append(UnsafeRawBufferPointer(rebasing: input[cut...]))
            for line in lines {
                if let request = try? JSONDecoder().decode(ControlRequest.self, from: Data(line.utf8)) {
                    let encoded = try JSONEncoder().encode(request)
                    let again = try JSONDecoder().decode(ControlRequest.self, from: encoded)
                    invariant(again == request, "control request \(request) read back as \(again)")
                }
            }
        } catch is LineSplitter.LineTooLong {
            return
        } catch {
            invariant(false, "a control request that decoded did not encode and decode again: \(error)")
        }
    }
}
