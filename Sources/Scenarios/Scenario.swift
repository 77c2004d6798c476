/// A distributed integration test as written in a scenario file: a topology, and steps run in
/// order against it while it runs. Each step has a deadline, and each expectation a bound that
/// the report compares with what was measured.
public struct Scenario: Sendable {
    public var name: String
    /// Where the scenario was read from; its `topology:` path is relative to its folder.
    public var file: String
    /// The topology file, absolute; for a topology written inline, the scenario's own file.
    public var topology: String
    /// A topology written inline (`topology:` a mapping), as YAML text: the runner writes it to
    /// a file of its own for `nicbed up` and the node processes.
    public var inlineTopology: String?
    public var steps: [Step]
}

/// One step, where it was written, and how long it may take.
public struct Step: Sendable {
    public var action: Action
    /// 1-based, in file order: the report names steps by it.
    public var number: Int
    /// `file:line:column` of the step, for the report.
    public var location: String
    public var timeout: Duration
    /// A name under which the step runs in the background (`copy`, `run`, `start`), for a later
    /// `await` or `stop`; nil runs it to its end before the next step.
    public var background: String?

    public enum Action: Sendable {
        case ping(Ping)
        case pingAll(PingAll)
        case copy(Copy)
        case run(Run)
        case link(Link)
        case wait(Duration)
        case kill(node: String)
        case restart(node: String)
        case expect(Expectation)
        case capture(Capture)
        case filter(Filter)
        case partition(Partition)
        case heal(name: String?)
        /// A NIC fault (`nicbed exec NODE nic …`): the words after the interface.
        case nic(end: String, change: [String])
        case expectCapture(CaptureExpectation)
        /// `fails`: the awaited step must have failed (a copy cut by a fault), and that passes.
        case await(name: String, fails: Bool)
        case stop(name: String)
    }

    /// `ping: {from, to, count, loss, rtt}`: loss and the average round trip at most these.
    public struct Ping: Sendable {
        public var from: String
        /// A node (pinged at its first interface's address) or an IPv4 address.
        public var to: String
        public var count: Int
        public var interval: Duration
        public var maximumLoss: Double
        public var maximumRTT: Duration?
    }

    public struct PingAll: Sendable {
        public var count: Int
        public var maximumLoss: Double
    }

    /// `copy: {from, to, size | file, goodput}`: a file made of seeded random bytes (or one
    /// given) put on `from`'s disk, copied to `to` over the emulated network, its SHA-256 the
    /// same at both ends, at `goodput` or faster.
    public struct Copy: Sendable {
        public var from: String
        public var to: String
        public enum Source: Sendable { case generated(bytes: Int), file(String) }
        public var source: Source
        public var minimumGoodput: Int?
        /// The file's path on both disks; a name of the step's own unless set.
        public var name: String?
        /// `cp --resume` of `name`, already on `from` (no new file): finishes a copy a fault cut.
        public var resume = false
    }

    /// `run: {node, command, exit, output}`: any command on a node (`nicbed exec`).
    public struct Run: Sendable {
        public var node: String
        public var command: [String]
        public var exit: Int32
        /// A regular expression its output (standard output and error) must match.
        public var output: String?
        /// In the background: a regular expression its output matches once it is ready (a
        /// server listening), which the step waits for before the next one starts.
        public var ready: String?
    }

    /// `link: {end, set | down | up}`.
    public struct Link: Sendable {
        public var end: String
        public enum Change: Sendable {
            /// FIELD VALUE pairs, as `nicbed link set` takes them.
            case set([(String, String)])
            /// Down, and back up after the duration (nil: stays down).
            case down(Duration?)
            case up
        }
        public var change: Change
    }

    /// `expect: {node, counter, equals | at_least | at_most}` on `stats --json`.
    public struct Expectation: Sendable {
        public var node: String
        public var counter: String
        public enum Bound: Sendable { case equals(Int), atLeast(Int), atMost(Int) }
        public var bound: Bound
    }

    /// `capture: {end}` starts recording a link end; `capture: {end, stop: true}` stops it.
    public struct Capture: Sendable {
        public var end: String
        public var stop: Bool
    }

    /// `expect: {capture: END, tshark: clean, frames: N}`: the capture of a link end read by
    /// tshark with checksum validation on, with no malformed frame, no error-level finding and
    /// no bad checksum, and at least `frames` frames in it.
    public struct CaptureExpectation: Sendable {
        public var end: String
        public var minimumFrames: Int
    }

    /// `filter: {end, name, drop: {proto, src, dst, port, tcp, every}}` adds a rule (the words
    /// of the node command `filter add`), `match: {…}` with `delay: 200ms` or `corrupt: true`
    /// one that delays or corrupts instead; `filter: {end, name, remove: true}` removes it.
    public struct Filter: Sendable {
        public var end: String
        public var name: String
        /// FIELD VALUE pairs (with `action` for a delay or corruption); nil removes the rule.
        public var drop: [(String, String)]?
    }

    /// `partition: {groups: [[h1], [h2, l1]]}`: no member of a group reaches a member of
    /// another; `partition: {from: [h1], to: [h2]}`: one way only (h1's frames do not reach h2,
    /// h2's reach h1). Made of filter rules at the members' own ports (or, for a linux node, at
    /// the far end of its links), by IPv4 destination, so it holds across switches and routers.
    public struct Partition: Sendable {
        public var name: String
        /// Each pair (A, B): frames from A's members to B's addresses are dropped.
        public var blocked: [(from: [String], to: [String])]
    }

    public var kind: String {
        switch action {
        case .ping: "ping"
        case .pingAll: "pingall"
        case .copy: "copy"
        case .run where background != nil: "start"
        case .run: "run"
        case .link: "link"
        case .wait: "wait"
        case .kill: "kill"
        case .restart: "restart"
        case .expect, .expectCapture: "expect"
        case .capture: "capture"
        case .filter: "filter"
        case .partition: "partition"
        case .heal: "heal"
        case .nic: "nic"
        case .await: "await"
        case .stop: "stop"
        }
    }
}
