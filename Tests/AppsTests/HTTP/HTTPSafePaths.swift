import Foundation
import Apps
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Request-targets against a real directory with real symlinks: everything that could reach
/// outside the root, or that two layers could read differently, is refused.
@Suite("HTTP safe paths")
struct HTTPSafePaths {
    /// A temporary tree:
    ///
    ///     base/secret.txt                 outside the root
    ///     base/root/a.bin
    ///     base/root/sub/b.txt
    ///     base/root/link-in  -> sub/b.txt             stays inside
    ///     base/root/link-out -> ../secret.txt          leads out
    ///     base/root/dir-out  -> base (absolute)        a directory outside
    ///     base/root/dangling -> ../nothing             leads nowhere
    ///     base/root/sub-link -> sub                    a directory inside
    ///     base/root-link     -> root                   the root reached through a symlink
    final class Tree {
        let base: String
        let root: String
        /// The root as realpath gives it, which is what resolve returns paths under.
        let realRoot: String

        init() throws {
            let manager = FileManager.default
            base = NSTemporaryDirectory() + "nicbed-safepath-" + UUID().uuidString
            root = base + "/root"
            try manager.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
            try Data("secret".utf8).write(to: URL(fileURLWithPath: base + "/secret.txt"))
            try Data("a".utf8).write(to: URL(fileURLWithPath: root + "/a.bin"))
            try Data("b".utf8).write(to: URL(fileURLWithPath: root + "/sub/b.txt"))
            try manager.createSymbolicLink(atPath: root + "/link-in", withDestinationPath: "sub/b.txt")
            try manager.createSymbolicLink(atPath: root + "/link-out", withDestinationPath: "../secret.txt")
            try manager.createSymbolicLink(atPath: root + "/dir-out", withDestinationPath: base)
            try manager.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "../nothing")
            try manager.createSymbolicLink(atPath: root + "/sub-link", withDestinationPath: "sub")
            try manager.createSymbolicLink(atPath: base + "/root-link", withDestinationPath: "root")
            guard let resolved = realpath(root, nil) else { throw CocoaError(.fileNoSuchFile) }
            realRoot = String(cString: resolved)
            free(resolved)
        }

        deinit { try? FileManager.default.removeItem(atPath: base) }

        func read(_ target: String) throws(SafePathError) -> String {
            try SafePath.resolve(target, root: root, forWriting: false)
        }

        func write(_ target: String) throws(SafePathError) -> String {
            try SafePath.resolve(target, root: root, forWriting: true)
        }
    }

    // MARK: normalize

    @Test(arguments: [
        ("/", []),
        ("/a.bin", ["a.bin"]),
        ("/sub/b.txt", ["sub", "b.txt"]),
        ("/sub/b.txt?x=1&y=/../..", ["sub", "b.txt"]),
        ("/sub/b.txt#frag/../..", ["sub", "b.txt"]),
        ("/?", []),
        ("/a//b///c/", ["a", "b", "c"]),
        ("/a/./b/.", ["a", "b"]),
        ("/a/%2e/b", ["a", "b"]),
        ("/%41%62%63", ["Abc"]),
        ("/file%20name.txt", ["file name.txt"]),
        ("/caf%C3%A9", ["caf\u{e9}"]),
        ("/caf%c3%a9", ["caf\u{e9}"]),
        // Decoded exactly once: %25 is "%", and what follows it stays literal.
        ("/%252e%252e", ["%2e%2e"]),
        ("/%252F", ["%2F"]),
        ("/...", ["..."]),
        ("/..a", ["..a"]),
        ("/a..", ["a.."]),
        ("/.hidden", [".hidden"]),
        ("/a:b/c", ["a:b", "c"]),
        ("/a;b=c", ["a;b=c"]),
    ] as [(String, [String])])
    func normalizes(target: String, segments: [String]) throws {
        #expect(try SafePath.normalize(target) == segments)
    }

    @Test(arguments: [
        // Dot-dot, raw and encoded, in every case mix; refused, never resolved.
        ("/..", SafePathError.dotDotSegment),
        ("/../etc/passwd", .dotDotSegment),
        ("/a/../b", .dotDotSegment),
        ("/a/..", .dotDotSegment),
        ("/a/../", .dotDotSegment),
        ("/%2e%2e", .dotDotSegment),
        ("/%2E%2e/", .dotDotSegment),
        ("/%2E%2E/etc/passwd", .dotDotSegment),
        ("/.%2e", .dotDotSegment),
        ("/%2e.", .dotDotSegment),
        ("/..?x", .dotDotSegment),
        // Encoded separators.
        ("/..%2f", .encodedSlash),
        ("/..%2F..%2Fetc", .encodedSlash),
        ("/a%2fb", .encodedSlash),
        ("/%2F", .encodedSlash),
        ("/a\\b", .backslash),
        ("/..\\..\\etc", .backslash),
        ("/%5c", .backslash),
        ("/..%5C..%5Cetc", .backslash),
        // Percent-encoding that is not.
        ("/%", .invalidPercentEncoding),
        ("/a%", .invalidPercentEncoding),
        ("/%4", .invalidPercentEncoding),
        ("/%zz", .invalidPercentEncoding),
        ("/%g0", .invalidPercentEncoding),
        ("/%%41", .invalidPercentEncoding),
        ("/%-1", .invalidPercentEncoding),
        // Controls, NUL first.
        ("/%00", .controlCharacter),
        ("/a.bin%00.txt", .controlCharacter),
        ("/a%0a", .controlCharacter),
        ("/a%0d%0aX", .controlCharacter),
        ("/a%7f", .controlCharacter),
        // Not UTF-8: overlong forms of "." and "/", a lone continuation byte, a surrogate.
        ("/%c0%ae", .invalidUTF8),
        ("/%c0%ae%c0%ae/etc", .invalidUTF8),
        ("/%c0%af", .invalidUTF8),
        ("/%e0%80%ae", .invalidUTF8),
        ("/%80", .invalidUTF8),
        ("/%ff", .invalidUTF8),
        ("/%c3", .invalidUTF8),
        ("/%ed%a0%80", .invalidUTF8),
        // Anything but origin-form.
        ("", .notOriginForm),
        ("*", .notOriginForm),
        ("a.bin", .notOriginForm),
        ("?x", .notOriginForm),
        ("http://x/y", .notOriginForm),
        ("HTTP://x/y", .notOriginForm),
        ("example.com:80", .notOriginForm),
        ("//etc/passwd", .notOriginForm),
        ("//x/y", .notOriginForm),
        ("C:/x", .notOriginForm),
        ("c:\\x", .notOriginForm),
        ("/C:/Windows", .notOriginForm),
        ("/c:", .notOriginForm),
        ("/%43:/x", .notOriginForm),
        // Octets a request-target cannot hold.
        ("/a b", .invalidCharacter),
        ("/a\tb", .invalidCharacter),
        ("/caf\u{e9}", .invalidCharacter),
        ("/a\u{0}", .invalidCharacter),
    ] as [(String, SafePathError)])
    func refuses(target: String, error: SafePathError) {
        #expect(throws: error) { try SafePath.normalize(target) }
    }

    @Test func statusOfEveryError() {
        let statuses: [SafePathError: Int] = [
            .notOriginForm: 400, .invalidCharacter: 400, .invalidPercentEncoding: 400, .controlCharacter: 400,
            .encodedSlash: 400, .backslash: 400, .invalidUTF8: 400, .dotDotSegment: 403, .outsideRoot: 403,
            .accessDenied: 403, .notFound: 404, .parentNotFound: 409, .isDirectory: 409, .nameTooLong: 414,
            .rootUnavailable: 500, .fileSystem(errno: 5): 500,
        ]
        for (error, status) in statuses { #expect(error.status == status, "\(error)") }
    }

    /// What the client sends for a name comes back as that name.
    @Test(arguments: [["a.bin"], ["sub", "b.txt"], ["file name.txt"], ["caf\u{e9}"], ["100%"], ["q?#&="], ["semi;colon", "x:y"], ["..."], ["\u{1F600}"]])
    func clientTargetsRoundTrip(segments: [String]) throws {
        let target = SafePath.target(for: segments)
        #expect(target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f })
        #expect(try SafePath.normalize(target) == segments)
    }

    @Test func clientTargets() {
        #expect(SafePath.target(for: []) == "/")
        #expect(SafePath.target(for: ["a b", "c"]) == "/a%20b/c")
        #expect(SafePath.target(for: ["caf\u{e9}"]) == "/caf%C3%A9")
    }

    // MARK: resolve

    @Test func readsInsideTheRoot() throws {
        let tree = try Tree()
        #expect(try tree.read("/a.bin") == tree.realRoot + "/a.bin")
        #expect(try tree.read("/sub/b.txt") == tree.realRoot + "/sub/b.txt")
        #expect(try tree.read("/sub//./b.txt?download=1") == tree.realRoot + "/sub/b.txt")
        #expect(try tree.read("/%73ub/b.txt") == tree.realRoot + "/sub/b.txt")
        #expect(try tree.read("/") == tree.realRoot)
        #expect(try tree.read("/sub") == tree.realRoot + "/sub")
        // A symlink that stays inside is followed, and the real path returned.
        #expect(try tree.read("/link-in") == tree.realRoot + "/sub/b.txt")
        #expect(try tree.read("/sub-link/b.txt") == tree.realRoot + "/sub/b.txt")
        // `//etc/passwd` is refused outright, not read from the root or from /.
        #expect(throws: SafePathError.notOriginForm) { try tree.read("//etc/passwd") }
    }

    @Test func symlinksLeadingOutAreRefused() throws {
        let tree = try Tree()
        #expect(throws: SafePathError.outsideRoot) { try tree.read("/link-out") }
        #expect(throws: SafePathError.outsideRoot) { try tree.read("/dir-out") }
        #expect(throws: SafePathError.outsideRoot) { try tree.read("/dir-out/secret.txt") }
        // Out and back in again is inside: only where a path ends up counts.
        #expect(try tree.read("/dir-out/root/a.bin") == tree.realRoot + "/a.bin")
        #expect(throws: SafePathError.outsideRoot) { try tree.write("/link-out") }
        #expect(throws: SafePathError.outsideRoot) { try tree.write("/dir-out/new.bin") }
        #expect(throws: SafePathError.outsideRoot) { try tree.write("/dir-out/secret.txt") }
        // Writing through a dangling link would create a file wherever it points.
        #expect(throws: SafePathError.outsideRoot) { try tree.write("/dangling") }
        #expect(FileManager.default.fileExists(atPath: tree.base + "/secret.txt"))
    }

    @Test func dotDotNeverReachesTheFileSystem() throws {
        let tree = try Tree()
        for target in ["/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2e/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt"] {
            #expect(throws: SafePathError.dotDotSegment, "\(target)") { try tree.read(target) }
            #expect(throws: SafePathError.dotDotSegment, "\(target)") { try tree.write(target) }
        }
        #expect(throws: SafePathError.encodedSlash) { try tree.read("/sub/..%2f..%2fsecret.txt") }
        #expect(throws: SafePathError.invalidUTF8) { try tree.read("/%c0%ae%c0%ae/secret.txt") }
        #expect(throws: SafePathError.controlCharacter) { try tree.read("/a.bin%00") }
        #expect(throws: SafePathError.invalidPercentEncoding) { try tree.read("/%") }
        #expect(throws: SafePathError.invalidPercentEncoding) { try tree.read("/%zz") }
        #expect(throws: SafePathError.backslash) { try tree.read("/sub\\..\\..\\secret.txt") }
        #expect(throws: SafePathError.notOriginForm) { try tree.read("http://x/y") }
    }

    @Test func missingFiles() throws {
        let tree = try Tree()
        #expect(throws: SafePathError.notFound) { try tree.read("/missing") }
        #expect(throws: SafePathError.notFound) { try tree.read("/nodir/missing") }
        #expect(throws: SafePathError.notFound) { try tree.read("/a.bin/x") }
        // A dangling link is simply not there for a reader.
        #expect(throws: SafePathError.notFound) { try tree.read("/dangling") }
        #expect(throws: SafePathError.nameTooLong) { try tree.read("/" + String(repeating: "n", count: 300)) }
    }

    @Test func writes() throws {
        let tree = try Tree()
        #expect(try tree.write("/new.bin") == tree.realRoot + "/new.bin")
        #expect(try tree.write("/sub/new.bin") == tree.realRoot + "/sub/new.bin")
        #expect(try tree.write("/sub-link/new.bin") == tree.realRoot + "/sub/new.bin")
        #expect(try tree.write("/caf%C3%A9.bin") == tree.realRoot + "/caf\u{e9}.bin")
        // An existing file is replaced in place; a link inside is written through.
        #expect(try tree.write("/a.bin") == tree.realRoot + "/a.bin")
        #expect(try tree.write("/link-in") == tree.realRoot + "/sub/b.txt")
        // Directories are not files to write.
        #expect(throws: SafePathError.isDirectory) { try tree.write("/") }
        #expect(throws: SafePathError.isDirectory) { try tree.write("/sub") }
        #expect(throws: SafePathError.isDirectory) { try tree.write("/sub-link") }
        // A PUT into a directory that does not exist creates nothing.
        #expect(throws: SafePathError.parentNotFound) { try tree.write("/nodir/new.bin") }
        #expect(throws: SafePathError.parentNotFound) { try tree.write("/nodir/deeper/new.bin") }
        #expect(throws: SafePathError.parentNotFound) { try tree.write("/a.bin/new.bin") }
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/nodir"))
        #expect(throws: SafePathError.nameTooLong) { try tree.write("/" + String(repeating: "n", count: 300)) }
    }

    /// The root may itself be a symlink: containment is checked against where it leads.
    @Test func rootThroughASymlink() throws {
        let tree = try Tree()
        let linkedRoot = tree.base + "/root-link"
        #expect(try SafePath.resolve("/a.bin", root: linkedRoot, forWriting: false) == tree.realRoot + "/a.bin")
        #expect(try SafePath.resolve("/new.bin", root: linkedRoot, forWriting: true) == tree.realRoot + "/new.bin")
        #expect(throws: SafePathError.outsideRoot) { try SafePath.resolve("/link-out", root: linkedRoot, forWriting: false) }
    }

    /// A sibling whose name starts with the root's is not inside it.
    @Test func aSiblingWithTheRootAsPrefixIsOutside() throws {
        let tree = try Tree()
        try FileManager.default.createDirectory(atPath: tree.base + "/rootsibling", withIntermediateDirectories: false)
        try Data("x".utf8).write(to: URL(fileURLWithPath: tree.base + "/rootsibling/x"))
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/sibling", withDestinationPath: "../rootsibling/x")
        #expect(throws: SafePathError.outsideRoot) { try tree.read("/sibling") }
    }

    @Test func unusableRoot() throws {
        let tree = try Tree()
        #expect(throws: SafePathError.rootUnavailable) { try SafePath.resolve("/a.bin", root: tree.base + "/missing", forWriting: false) }
        #expect(throws: SafePathError.rootUnavailable) { try SafePath.resolve("/x", root: tree.root + "/a.bin", forWriting: false) }
        // The target is checked first: a bad target is the client's fault whatever the root.
        #expect(throws: SafePathError.dotDotSegment) { try SafePath.resolve("/..", root: tree.base + "/missing", forWriting: false) }
    }
}
