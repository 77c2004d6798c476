import Crypto
import Foundation

/// SHA-256 of a file, read in fixed chunks (a file of any size in fixed memory): what `nicbed cp`
/// prints for both ends of a copy and compares.
public enum FileDigest {
    public static func sha256(path: String, chunk: Int = 1 << 20) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileTransferError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let data = try handle.read(upToCount: chunk), !data.isEmpty {
            hasher.update(data: data)
        }
        return hex(hasher.finalize())
    }

    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// A file transfer that could not be done, said so the user knows what to do next.
public struct FileTransferError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
