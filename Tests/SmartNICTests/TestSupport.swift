extension UnsafeBufferPointer<UnsafeRawBufferPointer> {
    /// A datagram's parts, as one byte array (what the peer receives).
    var joinedBytes: [UInt8] { flatMap { Array($0) } }
}
