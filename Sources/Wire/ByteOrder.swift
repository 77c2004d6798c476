// Network byte order loads and stores on raw buffers, for every layer that writes headers. Callers check lengths first; these
// helpers never read past what the caller proved is there.

extension UnsafeRawBufferPointer {
    @inlinable public func u8(_ offset: Int) -> UInt8 { self[offset] }
    @inlinable public func u16(_ offset: Int) -> UInt16 { UInt16(self[offset]) << 8 | UInt16(self[offset + 1]) }
    @inlinable public func u32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16
            | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable public func put(_ value: UInt8, at offset: Int) { self[offset] = value }
    @inlinable public func put(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
    @inlinable public func put(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: value)
    }
}

@inlinable func requireLength(_ bytes: UnsafeRawBufferPointer, _ needed: Int, _ layer: String) throws(WireError) {
    if bytes.count < needed { throw WireError.truncated(layer: layer, needed: needed, available: bytes.count) }
}
