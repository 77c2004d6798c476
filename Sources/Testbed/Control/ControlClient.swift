import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Talks to a node's control socket from the command line (blocking: a CLI needs no loop).
public enum ControlClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sends `request` and hands every response line to `onResponse`; returns the exit status.
    /// `timeout` bounds the wait for each read (nil: as long as the command runs, e.g. a transfer).
    public static func send(_ request: ControlRequest, to socketPath: String, timeout: Double? = nil,
                            onResponse: (ControlResponse) -> Void) throws(Failure) -> Int32 {
        let fd = try connect(to: socketPath)
        defer { close(fd) }
        if let timeout {
            var value = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        }
        var line: Data
        do { line = try JSONEncoder().encode(request) } catch {
            throw Failure(description: "cannot encode request: \(error)")
        }
        line.append(UInt8(ascii: "\n"))
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw Failure(description: "cannot write to \(socketPath): \(String(cString: strerror(errno)))") }

        var splitter = LineSplitter(maximumLineLength: 16 * 1024 * 1024)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let decoder = JSONDecoder()
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw Failure(description: "the node closed its control socket \(socketPath) before answering")
            }
            let lines: [String]
            do { lines = try buffer.withUnsafeBytes { try splitter.append(UnsafeRawBufferPointer(rebasing: $0[..<count])) } } catch {
                throw Failure(description: "the node sent an over-long line")
            }
            for text in lines {
                guard let response = try? decoder.decode(ControlResponse.self, from: Data(text.utf8)) else {
                    throw Failure(description: "the node sent a line that is not a control response: \(text.prefix(200))")
                }
                onResponse(response)
                if let exit = response.exit { return exit }
            }
        }
    }

    /// Asks a node for its status; nil when it does not answer.
    public static func status(at socketPath: String) -> NodeStatus? {
        var status: NodeStatus?
        // A node that does not answer within two seconds is stuck (or stopped): say so, do not hang.
        _ = try? send(ControlRequest(command: .status), to: socketPath, timeout: 2) { if let s = $0.status { status = s } }
        return status
    }

    static func connect(to path: String) throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            throw Failure(description: "control socket path is too long (\(path.utf8.count) bytes, at most \(capacity - 1)): \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot reach node at \(path): \(reason)")
        }
        return fd
    }
}
