import Foundation

/// Two files compared byte for byte by the test itself, independently of the digest that
/// `nicbed cp` reports (which the code under test computes).
enum FileBytes {
    /// Nil when both files hold the same bytes; else where and how they differ.
    static func difference(_ a: String, _ b: String, prefix length: Int? = nil) throws -> String? {
        let first = try FileHandle(forReadingFrom: URL(fileURLWithPath: a))
        let second = try FileHandle(forReadingFrom: URL(fileURLWithPath: b))
        defer { try? first.close(); try? second.close() }
        var offset = 0
        while true {
            let want = min(1 << 22, length.map { $0 - offset } ?? Int.max)
            guard want > 0 else { return nil }
            let x = try first.read(upToCount: want) ?? Data(), y = try second.read(upToCount: want) ?? Data()
            if x != y {
                let at = offset + (zip(x, y).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(x.count, y.count))
                return "\(a) and \(b) differ at byte \(at) (read \(offset + x.count) and \(offset + y.count) bytes)"
            }
            if x.isEmpty { return nil }
            offset += x.count
        }
    }

    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }
}
