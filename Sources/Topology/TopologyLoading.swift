import Foundation

extension Topology {
    /// The largest topology file `load` reads. leaf-spine.yaml is 3.4 KB for 14 nodes and 16
    /// links, so a thousand hosts stay in the hundreds of kilobytes; and a device or a pipe
    /// must not be read without end.
    public static let maximumFileBytes = 16 << 20

    /// Reads and validates the topology file at `path`.
    ///
    /// `basePortOverride` replaces `defaults.underlay.base_port`, so that tests and several
    /// runs of one file can share a machine without their underlay ports clashing.
    public static func load(path: String, basePortOverride: UInt16? = nil) throws(TopologyError) -> Topology {
        func failure(_ problem: String) -> TopologyError {
            TopologyError(file: path, line: 0, column: 0, field: "",
                          message: "\(problem); accepted: a readable UTF-8 YAML topology file, e.g. topologies/pair.yaml")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        guard !isDirectory.boolValue else { throw failure("is a directory") }
        // A device or a pipe (/dev/zero, /dev/stdin) would be read without end; a topology is a
        // file, and a small one.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else { throw failure("is not a regular file") }
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumFileBytes else { throw failure("is \(size) bytes, more than a topology file's \(maximumFileBytes)") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw failure("cannot be read: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("is not UTF-8 text") }
        return try parse(yaml: text, sourcePath: path, basePortOverride: basePortOverride)
    }

    /// A topology written inside another file (a scenario's `topology:` mapping): errors name
    /// that file, its lines and the field's path (`topology.nodes.h1.kind`).
    public static func parse(embedded field: YAMLField, basePortOverride: UInt16? = nil) throws(TopologyError) -> Topology {
        let draft = try TopologyParser(basePortOverride: basePortOverride).parse(field)
        let cabling = try Cabling(draft)
        return try AddressPlan(draft, cabling: cabling, sourcePath: field.file).topology
    }

    /// Validates topology text; `sourcePath` names the file in errors and in the result.
    public static func parse(yaml: String, sourcePath: String,
                             basePortOverride: UInt16? = nil) throws(TopologyError) -> Topology {
        guard let root = try YAMLDocument.compose(yaml, file: sourcePath) else {
            throw TopologyError(file: sourcePath, line: 0, column: 0, field: "",
                                message: "holds no YAML document; accepted: a mapping with keys name, nodes, links and optionally defaults")
        }
        let draft = try TopologyParser(basePortOverride: basePortOverride)
            .parse(YAMLField(node: root, path: "", file: sourcePath))
        let cabling = try Cabling(draft)
        return try AddressPlan(draft, cabling: cabling, sourcePath: sourcePath).topology
    }
}
