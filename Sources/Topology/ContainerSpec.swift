/// A user's program brought into a topology: the image a linux node runs under docker, in the
/// node's network namespace, so it sends and receives through the emulated network (its
/// routers, switches and impaired links) with no change to the image. Locally a linux node
/// is a bare namespace and this is not used.
public struct ContainerSpec: Hashable, Sendable, Codable {
    public enum Command: Hashable, Sendable, Codable {
        /// A string, which compose splits into words as a shell would (no shell runs it; write
        /// `[sh, -c, "…"]` for one).
        case line(String)
        /// A sequence, run as given, without a shell.
        case arguments([String])
    }

    public struct Variable: Hashable, Sendable, Codable {
        public var name: String
        public var value: String
    }

    public var image: String
    /// Nil runs the image's own command.
    public var command: Command?
    /// In file order.
    public var environment: [Variable]
}
