import Apps
import Foundation
import Testing

/// `nicbed cp` trusts this digest to say two files are the same: known answers (FIPS 180-4's
/// examples), files that span chunk boundaries, and a missing file.
@Suite("file digest")
struct FileDigestTests {
    func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-digest-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownAnswers(text: String, digest: String) throws {
        let path = try file(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FileDigest.sha256(path: path) == digest)
    }

    /// A million 'a's (FIPS 180-4's third example), read in chunks that do not divide it.
    @Test(arguments: [1 << 20, 4096, 999])
    func aMillionAsInAnyChunking(chunk: Int) throws {
        let path = try file([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FileDigest.sha256(path: path, chunk: chunk) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: FileTransferError.self) { try FileDigest.sha256(path: "/nonexistent/nicbed-digest") }
    }
}
