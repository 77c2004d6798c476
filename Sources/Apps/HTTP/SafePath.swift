#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a request-target into a file under the server's root, refusing every target that
/// could lead out of the root or that different layers could read differently. Two steps:
/// `normalize` is pure and reads only the target's text; `resolve` adds the file system,
/// because only realpath knows where symlinks lead.
///
/// What `resolve` returns was inside the root when it looked; a symlink swapped in afterwards
/// is the server's to guard against, by opening with O_NOFOLLOW.
public enum SafePath {
    /// The decoded path segments of an origin-form target, empty for `/`.
    ///
    /// The query and fragment are dropped; empty and `.` segments collapse (`/a//./b` is
    /// `a/b`), since neither can change which file is meant. Everything else that is not plain
    /// is refused rather than repaired: the percent-encoding is decoded exactly once, so
    /// `%252e` stays the name `%2e`; `..` is refused both as sent and after decoding, never
    /// resolved; a target beginning `//` is refused, because URL parsers read it as a
    /// network-path reference to the host in its first segment.
    public static func normalize(_ target: String) throws(SafePathError) -> [String] {
        var path = Array(target.utf8)
        if let end = path.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path.removeSubrange(end...)
        }
        guard path.first == slash, path.dropFirst().first != slash else { throw .notOriginForm }
        for byte in path {
            if byte == backslash { throw .backslash }
            guard HTTPSyntax.isVisibleASCII(byte) else { throw .invalidCharacter }
        }
        var segments: [String] = []
        for raw in path.split(separator: slash) {
            if raw.elementsEqual(dotDot) { throw .dotDotSegment }
            let decoded = try percentDecoded(raw)
            if decoded.contains(where: { $0 < 0x20 || $0 == 0x7f }) { throw .controlCharacter }
            if decoded.contains(slash) { throw .encodedSlash }
            if decoded.contains(backslash) { throw .backslash }
            if decoded.elementsEqual(dotDot) { throw .dotDotSegment }
            if decoded.elementsEqual(dot) { continue }
            // Swift's validation refuses overlong forms and surrogates, as RFC 3629 requires.
            guard let name = String(validating: decoded, as: UTF8.self) else { throw .invalidUTF8 }
            segments.append(name)
        }
        // A first segment that is a drive (`/C:/x`) means a different root to anything that
        // ever reads the path the Windows way; `a:b` is only a name and stays.
        if let first = segments.first?.utf8, first.count == 2, isASCIILetter(first[first.startIndex]),
           first[first.index(after: first.startIndex)] == UInt8(ascii: ":") {
            throw .notOriginForm
        }
        return segments
    }

    /// The absolute path `target` names under `root`, with symlinks resolved. For reading, the
    /// file (or directory) must exist and lie inside the root's realpath. For writing, the
    /// parent directory must exist and lie inside it, and the name must not be a directory; if
    /// the name is an existing symlink, where it leads must lie inside too, and that is the
    /// path returned — a dangling one is refused, since writing through it would create a file
    /// wherever it points.
    public static func resolve(_ target: String, root: String, forWriting: Bool) throws(SafePathError) -> String {
        let segments = try normalize(target)
        let rootPath: String
        do throws(SafePathError) {
            rootPath = try realPath(root)
        } catch {
            throw .rootUnavailable
        }
        guard isDirectory(rootPath) else { throw .rootUnavailable }

        guard forWriting else {
            let resolved = try realPath(joined(rootPath, segments))
            guard lies(resolved, inside: rootPath) else { throw .outsideRoot }
            return resolved
        }

        guard let name = segments.last else { throw .isDirectory }
        let parent: String
        do throws(SafePathError) {
            parent = try realPath(joined(rootPath, segments.dropLast()))
        } catch .notFound {
            throw .parentNotFound
        }
        guard lies(parent, inside: rootPath) else { throw .outsideRoot }
        guard isDirectory(parent) else { throw .parentNotFound }
        let candidate = joined(parent, [name])
        var info = stat()
        guard lstat(candidate, &info) == 0 else {
            if errno == ENOENT { return candidate }
            throw error(errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            throw .isDirectory
        case S_IFLNK:
            let destination: String
            do throws(SafePathError) {
                destination = try realPath(candidate)
            } catch .notFound {
                throw .outsideRoot
            }
            guard lies(destination, inside: rootPath) else { throw .outsideRoot }
            guard !isDirectory(destination) else { throw .isDirectory }
            return destination
        default:
            return candidate
        }
    }

    /// The origin-form target a client sends for `segments`: every octet outside RFC 3986's
    /// unreserved set percent-encoded, so `normalize` gives the segments back.
    public static func target(for segments: [String]) -> String {
        var target = ""
        for segment in segments {
            target += "/"
            for byte in segment.utf8 {
                if isASCIILetter(byte) || HTTPSyntax.isDigit(byte) || "-._~".utf8.contains(byte) {
                    target.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    target += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xf, radix: 16, uppercase: true)
                }
            }
        }
        return target.isEmpty ? "/" : target
    }

    private static let slash = UInt8(ascii: "/")
    private static let backslash = UInt8(ascii: "\\")
    private static let dot = [UInt8(ascii: ".")]
    private static let dotDot = [UInt8(ascii: "."), UInt8(ascii: ".")]

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func percentDecoded(_ raw: ArraySlice<UInt8>) throws(SafePathError) -> [UInt8] {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            guard raw[index] == UInt8(ascii: "%") else {
                decoded.append(raw[index])
                index += 1
                continue
            }
            guard raw.endIndex - index >= 3,
                  let high = hexValue(raw[index + 1]), let low = hexValue(raw[index + 2])
            else { throw .invalidPercentEncoding }
            decoded.append(high << 4 | low)
            index += 3
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func joined(_ base: String, _ segments: some Collection<String>) -> String {
        guard !segments.isEmpty else { return base }
        return (base == "/" ? "" : base) + "/" + segments.joined(separator: "/")
    }

    /// Byte-wise, not String.hasPrefix: Unicode canonical equivalence must not make two
    /// different names on disk compare equal.
    private static func lies(_ path: String, inside root: String) -> Bool {
        if path.utf8.elementsEqual(root.utf8) { return true }
        let prefix = root == "/" ? "/" : root + "/"
        return path.utf8.starts(with: prefix.utf8)
    }

    private static func realPath(_ path: String) throws(SafePathError) -> String {
        guard let resolved = realpath(path, nil) else { throw error(errno) }
        defer { free(resolved) }
        guard let text = String(validatingCString: resolved) else { throw .invalidUTF8 }
        return text
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    private static func error(_ code: Int32) -> SafePathError {
        switch code {
        case ENOENT, ENOTDIR: return .notFound
        case EACCES: return .accessDenied
        case ENAMETOOLONG: return .nameTooLong
        default: return .fileSystem(errno: code)
        }
    }
}
