import CLibUV

/// A libuv call failed; `code` is libuv's negative errno-style code.
public struct UVError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    public var name: String { String(cString: uv_err_name(code)) }
    public var description: String { "\(operation): \(String(cString: uv_strerror(code))) (\(name))" }

    /// Throws when a libuv return code says the call failed.
    @discardableResult
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(UVError) -> Int32 {
        if result < 0 { throw UVError(result, operation()) }
        return result
    }
}
