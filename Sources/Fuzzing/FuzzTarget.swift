/// The parsers that take outside input, each as a libFuzzer target (`scripts/fuzz`) and as a
/// replay of its committed corpus in the tests (`FuzzCorpusReplay`). A target returns normally
/// on any input; a trap (an overflow, a broken invariant, a precondition) is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A tunnel datagram as a node receives it (VXLAN, Ethernet, ARP, IPv4, ICMP, UDP, TCP):
    /// every Wire view and parser, each representation written back and read again.
    case frame
    /// The same datagram delivered to a host's NIC port and stack, which answer it as they
    /// would on a link: the path a node takes for what arrives from the network.
    case stack
    /// TCP options: parsed, written back, and read again to the same value.
    case tcpOptions = "tcp-options"
    /// A topology file.
    case topology
    /// A scenario file.
    case scenario
    /// HTTP request and response heads, whole and in two chunks, which must agree.
    case httpHead = "http-head"
    /// Range and Content-Range fields against a representation length.
    case byteRange = "byte-range"
    /// Control-socket bytes, split into lines and decoded as requests.
    case controlLine = "control-line"

    public func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .frame: FrameTarget.run(input)
        case .stack: StackTarget.run(input)
        case .tcpOptions: TCPOptionsTarget.run(input)
        case .topology: TopologyTarget.run(input)
        case .scenario: ScenarioTarget.run(input)
        case .httpHead: HTTPHeadTarget.run(input)
        case .byteRange: ByteRangeTarget.run(input)
        case .controlLine: ControlLineTarget.run(input)
        }
    }
}

/// A broken invariant: a finding, reported as a trap with what broke.
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant: \(message())") }
}
