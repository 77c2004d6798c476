import Foundation
import Testing
import Topology
import Wire

/// Reading files, and the worked example in topologies/.
@Suite struct TopologyLoadingTests {
    /// topologies/pair.yaml, found from this file so the tests run from any directory.
    static let pairPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topologies/pair.yaml").path

    @Test func loadsTheWorkedExample() throws {
        let topology = try Topology.load(path: Self.pairPath)
        #expect(topology.name == "pair")
        #expect(topology.sourcePath == Self.pairPath)
        #expect(topology.underlayHost == "127.0.0.1")
        #expect(topology.basePort == 47100)
        #expect(topology.links == [LinkSpec(id: 1, a: Endpoint(node: "h1", interface: "eth0"),
                                            b: Endpoint(node: "h2", interface: "eth0"))])
        let h1 = try #require(topology.node(named: "h1"))
        let h2 = try #require(topology.node(named: "h2"))
        #expect(topology.nodes.map(\.name) == ["h1", "h2"])
        #expect(h1.kind == .host && h2.kind == .host)
        #expect(h1.gateway == nil && h2.gateway == nil)
        let eth0 = try #require(h1.interface(named: "eth0"))
        #expect(eth0 == InterfaceSpec(name: "eth0", mac: MACAddress(2, 0, 0, 0, 1, 0),
                                      address: try #require(IPv4Interface("10.0.0.1/24")), link: 1,
                                      localHost: "127.0.0.1", localPort: 47100, peerHost: "127.0.0.1", peerPort: 47101))
        #expect(h2.interfaces.map(\.address?.description) == ["10.0.0.2/24"])
        #expect(h2.interfaces.map(\.mac.description) == ["02:00:00:00:02:00"])
        #expect(h2.interfaces.map(\.localPort) == [47101])
        #expect(h2.interfaces.map(\.peerPort) == [47100])
        #expect(topology.node(named: "h3") == nil)
    }

    /// Every file in topologies/ is a worked example someone will start from, so each must
    /// load (whichever kinds and link fields it shows) and draw.
    @Test func everyWorkedExampleLoads() throws {
        let directory = URL(fileURLWithPath: Self.pairPath).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("pair.yaml"))
        for file in files {
            do {
                let topology = try Topology.load(path: directory.appendingPathComponent(file).path)
                #expect(topology.graphviz().hasPrefix("graph \"\(topology.name)\" {"))
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func overrideMovesTheWorkedExample() throws {
        let topology = try Topology.load(path: Self.pairPath, basePortOverride: 52000)
        #expect(topology.nodes.flatMap(\.interfaces).map(\.localPort) == [52000, 52001])
    }

    @Test func fileNotFound() {
        let path = NSTemporaryDirectory() + "nicbed-no-such-\(UUID().uuidString).yaml"
        expectLoadRefusal(path, saying: "no such file; accepted: a readable UTF-8 YAML topology file")
    }

    @Test func directoryIsNotReadableAsAFile() {
        expectLoadRefusal(NSTemporaryDirectory(), saying: "is a directory")
    }

    /// A device would be read without end, a pipe would wait for a writer: neither is read.
    @Test func aDeviceIsNotReadAsAFile() {
        expectLoadRefusal("/dev/zero", saying: "is not a regular file")
        expectLoadRefusal("/dev/null", saying: "is not a regular file")
    }

    @Test func aFileTooLargeForATopologyIsNotRead() throws {
        let path = NSTemporaryDirectory() + "nicbed-large-\(UUID().uuidString).yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(Topology.maximumFileBytes + 1))
        try handle.close()
        expectLoadRefusal(path, saying: "more than a topology file's")
    }

    @Test func fileThatIsNotText() throws {
        let path = NSTemporaryDirectory() + "nicbed-binary-\(UUID().uuidString).yaml"
        try Data([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x00]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        expectLoadRefusal(path, saying: "is not UTF-8 text")
    }

    @Test func fileErrorsNameTheFileAndNothingElse() {
        let path = "/nonexistent/nicbed/pair.yaml"
        let error = loadRefusal(path)
        #expect(error?.description == "\(path): no such file; accepted: a readable UTF-8 YAML topology file, e.g. topologies/pair.yaml")
    }

    /// Every prefix of the example, and the example with any one character removed, is either
    /// a topology or an error: no input may crash the process that reads it.
    @Test func neverTrapsOnDamagedInput() throws {
        let text = try String(contentsOfFile: Self.pairPath, encoding: .utf8)
        let scalars = Array(text.unicodeScalars)
        var variants: [String] = []
        for cut in 0...scalars.count {
            var prefix = String.UnicodeScalarView()
            prefix.append(contentsOf: scalars[..<cut])
            variants.append(String(prefix))
            if cut < scalars.count {
                var removed = String.UnicodeScalarView()
                removed.append(contentsOf: scalars[..<cut])
                removed.append(contentsOf: scalars[(cut + 1)...])
                variants.append(String(removed))
            }
        }
        var refused = 0
        for variant in variants {
            do {
                _ = try Topology.parse(yaml: variant, sourcePath: "damaged.yaml")
            } catch {
                refused += 1
                #expect(error.message.contains("; accepted: "), "\(error)")
            }
        }
        #expect(refused > 0)
    }

    private func loadRefusal(_ path: String) -> TopologyError? {
        do {
            let topology = try Topology.load(path: path)
            Issue.record("expected a refusal, got topology '\(topology.name)'")
            return nil
        } catch {
            return error
        }
    }

    private func expectLoadRefusal(_ path: String, saying fragment: String,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = loadRefusal(path) else { return }
        #expect(error.file == path, sourceLocation: sourceLocation)
        #expect(error.line == 0 && error.column == 0 && error.field.isEmpty, sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "\(error)", sourceLocation: sourceLocation)
    }
}

/// Inputs no one writes by hand, which must still end in an error rather than a crash.
@Suite struct HostileInputTests {
    static let inputs: [String] = [
        "\u{0}",
        "name: t\u{1}\n",
        String(repeating: "[", count: 5000),
        String(repeating: "- ", count: 3000) + "x\n",
        "name: t\nnodes: &n {h1: {kind: host}}\nlinks: *n\n",
        "name: t\nnodes: {h1: *undefined}\nlinks: []\n",
        "name: t\nnodes:\n  ? [h1]\n  : {kind: host}\nlinks: []\n",
        "name: t\nnodes: {h1: {kind: host}}\nlinks: [{endpoints: [{a: b}, h1:eth0]}]\n",
        "name: t\nnodes: {\"\": {kind: host}, \"\": {kind: host}}\nlinks: []\n",
        "name: t\nnodes: {'h\\x31': {kind: host}, \"h\\x31\": {kind: host}}\nlinks: []\n",
        "name: t\ndefaults:\n  underlay: {base_port: 99999999999999999999999}\nnodes: {h1: {kind: host}}\nlinks: []\n",
    ]

    @Test(arguments: inputs)
    func endsInAnError(yaml: String) {
        do {
            let topology = try Topology.parse(yaml: yaml, sourcePath: "hostile.yaml")
            Issue.record("expected a refusal, got topology '\(topology.name)'")
        } catch {
            #expect(error.message.contains("; accepted: "), "\(error)")
        }
    }
}
