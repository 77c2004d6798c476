import Foundation

/// Byte counts as people write them: `50M`, `256MiB`, `1G`, `1500`. Decimal suffixes (k, M, G)
/// are powers of 1000, binary ones (KiB, MiB, GiB) powers of 1024.
enum ByteCount {
    static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
                                      ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("B", 1)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int(text.dropLast(suffix.count)), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func format(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) B"
    }

    static func rate(bytes: Int, over duration: Duration) -> String {
        let seconds = max(duration.milliseconds / 1000, 1e-9)
        return String(format: "%.1f Mbit/s", Double(bytes) * 8 / seconds / 1e6)
    }
}
