/// Why a request-target was not turned into a file under the server's root. Each case maps to
/// the status the server answers with.
public enum SafePathError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not origin-form `/path`: absolute-form `http://x/y`, authority-form, `*`, empty, a
    /// leading `//` (a network-path reference to URL parsers), a drive (`C:/x`, `/C:/x`).
    case notOriginForm
    /// An octet that may not appear in a request-target: space, control, non-ASCII.
    case invalidCharacter
    /// A `%` not followed by two hex digits.
    case invalidPercentEncoding
    /// A decoded control character, NUL included: no file name we serve holds one, and a NUL
    /// would cut the path short in every C call that sees it.
    case controlCharacter
    /// `%2F` inside a segment: a "/" that is not a separator, meaning different things to
    /// different layers.
    case encodedSlash
    /// A backslash, raw or encoded: a separator on Windows, a trap for anything that ever
    /// normalises paths the Windows way.
    case backslash
    /// A segment that is not valid UTF-8 once decoded (an overlong `%c0%ae` included).
    case invalidUTF8
    /// A `..` segment, raw or decoded.
    case dotDotSegment
    /// The path, once symlinks are resolved, leaves the root — or, for a write through a
    /// dangling symlink, cannot be shown not to.
    case outsideRoot
    /// Permission denied while resolving.
    case accessDenied
    /// No such file (or a component is not a directory).
    case notFound
    /// A write whose parent directory does not exist: the server creates no directories.
    case parentNotFound
    /// A write that names a directory (the root included).
    case isDirectory
    /// A segment longer than the file system allows.
    case nameTooLong
    /// The root itself cannot be resolved or is not a directory: the server's fault.
    case rootUnavailable
    /// Any other failure of the file system while resolving.
    case fileSystem(errno: Int32)

    public var status: Int {
        switch self {
        case .notOriginForm, .invalidCharacter, .invalidPercentEncoding, .controlCharacter, .encodedSlash, .backslash,
             .invalidUTF8:
            return 400
        case .dotDotSegment, .outsideRoot, .accessDenied: return 403
        case .notFound: return 404
        case .parentNotFound, .isDirectory: return 409
        case .nameTooLong: return 414
        case .rootUnavailable, .fileSystem: return 500
        }
    }

    public var description: String {
        switch self {
        case .notOriginForm: return "request-target is not an origin-form path"
        case .invalidCharacter: return "request-target holds a character it may not"
        case .invalidPercentEncoding: return "invalid percent-encoding"
        case .controlCharacter: return "path holds a control character"
        case .encodedSlash: return "path holds an encoded slash"
        case .backslash: return "path holds a backslash"
        case .invalidUTF8: return "path is not valid UTF-8"
        case .dotDotSegment: return "path holds a .. segment"
        case .outsideRoot: return "path leads outside the served directory"
        case .accessDenied: return "permission denied"
        case .notFound: return "no such file"
        case .parentNotFound: return "parent directory does not exist"
        case .isDirectory: return "path names a directory"
        case .nameTooLong: return "file name too long"
        case .rootUnavailable: return "served directory unavailable"
        case let .fileSystem(errno): return "file system error \(errno)"
        }
    }
}
