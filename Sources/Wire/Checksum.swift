/// The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit
/// words. Kept as an accumulator so a pseudo-header, a header and a payload that live in
/// different buffers can be summed without gathering them first.
public struct InternetChecksum: Sendable {
    @usableFromInline var sum: UInt64 = 0
    /// Whether an odd byte is pending from the previous chunk (so chunks may have any length).
    @usableFromInline var oddByte: Bool = false

    public init() {}

    /// Adds a run of bytes that continues the summed data (an odd run leaves its last byte
    /// pending for the next). Eight bytes per step: the words are summed as 64-bit lanes in host
    /// order with end-around carry, folded, and put back in network order once per call (the
    /// sum is independent of byte order, RFC 1071 §2(B)).
    @inlinable public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let count = bytes.count
        var index = 0
        if oddByte {
            sum &+= UInt64(base.load(as: UInt8.self))
            index = 1
            oddByte = false
        }
        if count - index >= 8 {
            var wide: UInt64 = 0
            while count - index >= 8 {
                let (total, carried) = wide.addingReportingOverflow(base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                wide = total &+ (carried ? 1 : 0)
                index += 8
            }
            var folded = (wide & 0xffff_ffff) &+ (wide >> 32)
            while folded >> 16 != 0 { folded = (folded & 0xffff) &+ (folded >> 16) }
            sum &+= UInt64(UInt16(bigEndian: UInt16(truncatingIfNeeded: folded)))
        }
        while count - index >= 2 {
            sum &+= UInt64(UInt16(bigEndian: base.loadUnaligned(fromByteOffset: index, as: UInt16.self)))
            index += 2
        }
        if index < count {
            sum &+= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << 8
            oddByte = true
        }
    }

    @inlinable public mutating func add(_ value: UInt16) {
        precondition(!oddByte, "16-bit words must be added on a word boundary")
        sum &+= UInt64(value)
    }

    @inlinable public mutating func add(_ value: UInt32) {
        add(UInt16(truncatingIfNeeded: value >> 16))
        add(UInt16(truncatingIfNeeded: value))
    }

    /// Adds the IPv4 pseudo-header used by UDP and TCP (RFC 768, RFC 9293 §3.1).
    @inlinable public mutating func addPseudoHeader(source: IPv4Address, destination: IPv4Address,
                                                    protocolNumber: UInt8, length: Int) {
        add(source.value)
        add(destination.value)
        add(UInt16(protocolNumber))
        add(UInt16(truncatingIfNeeded: length))
    }

    /// The folded sum, before complementing. A buffer that carries a correct checksum folds to 0xffff.
    @inlinable public var folded: UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    /// The value to put in a checksum field.
    @inlinable public var checksum: UInt16 { ~folded }

    /// One-shot checksum of a buffer.
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var c = InternetChecksum()
        c.add(bytes)
        return c.checksum
    }
}
