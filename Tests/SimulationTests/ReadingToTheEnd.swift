import NetStack

extension TCPConnection {
    /// What the simulated HTTP clients do on `.readable` and `.endOfStream`: append everything
    /// there is to `bytes`, and close once the peer has finished and all of it is read.
    func readAll(appendingTo bytes: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { receive(into: $0) }
            if count == 0 { break }
            bytes += buffer[..<count]
        }
        if isEndOfStream { close() }
    }
}
