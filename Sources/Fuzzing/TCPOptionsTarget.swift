import Wire

/// TCP options as a segment's header carries them (at most 40 bytes): what parses is written
/// back, and reads again as the same options.
enum TCPOptionsTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = UnsafeRawBufferPointer(rebasing: input[..<min(input.count, 40)])
        guard let options = try? TCPOptions.parse(bytes) else { return }
        invariant(options.encodedLength <= 40, "options \(options) take \(options.encodedLength) bytes")
        var out = [UInt8](repeating: 0, count: options.encodedLength)
        let written = out.withUnsafeMutableBytes { options.emit(into: $0) }
        invariant(written == options.encodedLength, "wrote \(written) bytes of \(options.encodedLength)")
        out.withUnsafeBytes { again in
            let reread = try? TCPOptions.parse(again)
            invariant(reread == options, "options \(options) read back as \(String(describing: reread))")
        }
    }
}
