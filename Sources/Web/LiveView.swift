import NetStack
import Testbed

/// What the page draws and the websocket sends each second: every running topology, its nodes
/// and links, and per link end the rates since the last sample. Field names are the page's.
public struct LiveView: Codable, Sendable, Equatable {
    /// Seconds since the epoch when the sample was taken.
    public var time: Double
    public var topologies: [TopologyView]
    /// How long reading every node took, in seconds (the page shows it beside the time).
    public var sampleSeconds: Double = 0
    /// Set when some node did not answer (it is shown as such; the rest is still live).
    public var problems: [String]

    public struct TopologyView: Codable, Sendable, Equatable {
        public var name: String
        public var file: String
        public var nodes: [NodeView]
        public var links: [LinkView]
    }

    public struct NodeView: Codable, Sendable, Equatable {
        public var name: String
        public var kind: String
        public var state: String
        public var addresses: [String]
        /// A host's TCP connections (`nicbed exec NODE sockets`); nil for routers and switches.
        public var connections: [TCPConnectionInfo]?
    }

    public struct LinkView: Codable, Sendable, Equatable {
        public var id: Int
        public var ends: [EndView]
    }

    /// One end of a link: what the interface `end` sends and receives.
    public struct EndView: Codable, Sendable, Equatable {
        /// NODE:IFACE.
        public var end: String
        /// nil for an end with no NIC of ours (a linux or external node): its figures are those
        /// of the other end, read the other way round.
        public var up: Bool?
        /// The impairments of what this end sends that differ from none: "loss 5%, delay 20ms".
        public var impairments: String
        public var rates: Rates?
        public var totals: Totals?
    }

    public struct Rates: Codable, Sendable, Equatable {
        public var txFramesPerSecond: Double
        public var rxFramesPerSecond: Double
        public var txBitsPerSecond: Double
        public var rxBitsPerSecond: Double
        /// Frames dropped per second, by cause (PortCounters' drop fields and the NIC's no-buffer drops).
        public var dropsPerSecond: [String: Double]
        public var cpuCopiedBytesPerSecond: Double
        public var busBytesPerSecond: Double
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var txFrames: Int
        public var rxFrames: Int
        public var txBytes: Int
        public var rxBytes: Int
        public var drops: [String: Int]
        public var cpuCopiedBytes: Int
        public var busBytes: Int
        public var payloadBytes: Int
        public var mode: String
        public var cardBytesNow: Int
    }
}
