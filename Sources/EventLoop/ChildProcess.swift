import CLibUV
#if canImport(Glibc)
import Glibc
#endif

/// A child process spawned on the loop; `onExit` runs when it is reaped.
public final class ChildProcess {
    let handle: UnsafeMutablePointer<uv_process_t>
    public let pid: Int32
    private var onExit: ((_ status: Int64, _ signal: Int32) -> Void)?

    /// Spawns `executable` with `arguments`, stdin from /dev/null and stdout/stderr appended to
    /// `logPath`. A `detached` child gets its own session, so it outlives the caller's terminal
    /// and a Ctrl-C aimed at `nicbed up`.
    public init(loop: Loop, executable: String, arguments: [String], environment: [String]? = nil,
                logPath: String, detached: Bool,
                onExit: @escaping (_ status: Int64, _ signal: Int32) -> Void) throws(UVError) {
        Self.closeInheritedDescriptorsOnExec()
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if logFD < 0 { throw UVError(-errno, "open log \(logPath)") }
        defer { Glibc.close(logFD) }
        let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if nullFD >= 0 { Glibc.close(nullFD) } }

        let process = allocateHandle(uv_process_t.self)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var stdio = [uv_stdio_container_t](repeating: uv_stdio_container_t(), count: 3)
        stdio[0].flags = UV_INHERIT_FD; stdio[0].data.fd = nullFD
        stdio[1].flags = UV_INHERIT_FD; stdio[1].data.fd = logFD
        stdio[2].flags = UV_INHERIT_FD; stdio[2].data.fd = logFD

        var options = uv_process_options_t()
        let result: Int32 = argv.withUnsafeBufferPointer { argvPointer in
            stdio.withUnsafeMutableBufferPointer { stdioPointer in
                var envCopy = envp
                return executable.withCString { file in
                    options.file = file
                    options.args = UnsafeMutablePointer(mutating: argvPointer.baseAddress)
                    options.stdio_count = 3
                    options.stdio = stdioPointer.baseAddress
                    options.flags = detached ? UInt32(UV_PROCESS_DETACHED.rawValue) : 0
                    options.exit_cb = { h, status, signal in
                        guard let child = owner(of: h, as: ChildProcess.self) else { return }
                        let callback = child.onExit
                        child.onExit = nil
                        callback?(status, signal)
                        closeHandle(child.handle)
                    }
                    if envCopy != nil {
                        return envCopy!.withUnsafeMutableBufferPointer { envPointer in
                            options.env = envPointer.baseAddress
                            return uv_spawn(loop.raw, process, &options)
                        }
                    }
                    return uv_spawn(loop.raw, process, &options)
                }
            }
        }
        if result < 0 {
            // libuv has initialised the handle even when spawn fails; it must be closed, not freed.
            closeHandle(process)
            throw UVError(result, "spawn \(executable)")
        }
        handle = process
        pid = process.pointee.pid
        self.onExit = onExit
        attach(self, to: handle)
    }

    /// Stops watching the child: the loop may end while it runs on (used by `nicbed up`).
    public func release() {
        onExit = nil
        closeHandle(handle)
    }

    public func kill(_ signal: Int32) { uv_process_kill(handle, signal) }

    /// libuv hands a child every descriptor not marked close-on-exec. A node that outlives
    /// `nicbed up` must not keep the caller's pipes or sockets open (a caller waiting for
    /// `up`'s output would wait for the nodes too), so mark them all before spawning.
    static func closeInheritedDescriptorsOnExec() {
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        let own = dirfd(directory)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), fd > 2, fd != own else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
