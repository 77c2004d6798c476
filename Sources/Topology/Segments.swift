/// The layer-2 segments of a topology: the sets of interfaces that reach each other without a
/// router, and so share one subnet.
///
/// A link between two non-switch nodes is a segment of its own. Every link cabled to a switch
/// belongs to that switch's segment, and a link between two switches joins their segments, so
/// a tree of switches is one segment. A segment is numbered by its smallest link id, which is
/// what keeps a topology without switches numbered exactly as before (link k, segment k).
///
/// Switch loops are not supported: the switches run no spanning tree protocol, so a broadcast
/// would circle a loop forever. A loop is refused here, naming the links that form it.
struct Segments {
    /// A host's or router's interface on a segment: the ones that get addresses.
    struct Member {
        var endpoint: Endpoint
        /// The link end as written, to point at when the address was assigned, not written.
        var field: YAMLField
        var link: Int
    }

    struct Segment {
        /// The smallest id among `links`; the assigned subnet is 10.0.<number>.0/24.
        var number: Int
        /// Ascending.
        var links: [Int]
        /// In the order links first reach them; empty for a point-to-point segment.
        var switches: [String]
        /// In the order their links appear in the file, `a` before `b` within a link; this
        /// order numbers the assigned addresses .1, .2, …
        var members: [Member]

        var isSwitched: Bool { !switches.isEmpty }

        /// `switch s1 (links 1, 2, 3)`, for messages.
        var summary: String {
            let names = switches.count == 1 ? "switch \(switches[0])" : "switches \(switches.joined(separator: ", "))"
            return "\(names) (links \(links.map(String.init).joined(separator: ", ")))"
        }
    }

    /// Ordered by number.
    let list: [Segment]

    init(_ draft: TopologyDraft) throws(TopologyError) {
        var kinds: [String: NodeKind] = [:]
        for node in draft.nodes { kinds[node.name.value] = node.kind }
        func isSwitch(_ end: Written<Endpoint>) -> Bool { kinds[end.value.node] == .switch }

        try Self.refuseSwitchLoops(draft, isSwitch: isSwitch)

        // Union-find over link indices; every link at a switch joins that switch's first link.
        var parent = Array(draft.links.indices)
        func root(_ index: Int) -> Int {
            var index = index
            while parent[index] != index {
                parent[index] = parent[parent[index]]
                index = parent[index]
            }
            return index
        }
        var firstLinkAt: [String: Int] = [:]
        for (index, link) in draft.links.enumerated() {
            for end in [link.a, link.b] where isSwitch(end) {
                if let first = firstLinkAt[end.value.node] {
                    // The smaller index becomes the root, so a root is its segment's first link.
                    let (x, y) = (root(first), root(index))
                    parent[max(x, y)] = min(x, y)
                } else {
                    firstLinkAt[end.value.node] = index
                }
            }
        }

        var byRoot: [Int: Int] = [:]
        var list: [Segment] = []
        for (index, link) in draft.links.enumerated() {
            let top = root(index)
            let position: Int
            if let known = byRoot[top] {
                position = known
            } else {
                // Links come in id order and a root is its segment's smallest index, so a
                // segment is first met at its first link and `list` ends up ordered by number.
                position = list.count
                byRoot[top] = position
                list.append(Segment(number: draft.links[top].id, links: [], switches: [], members: []))
            }
            list[position].links.append(link.id)
            for end in [link.a, link.b] {
                if isSwitch(end) {
                    if !list[position].switches.contains(end.value.node) {
                        list[position].switches.append(end.value.node)
                    }
                } else {
                    list[position].members.append(Member(endpoint: end.value, field: end.field, link: link.id))
                }
            }
        }
        self.list = list
    }

    /// Refuses the first switch-to-switch link (in file order) that closes a loop, naming the
    /// links around it: they are what the user has to choose from to break it.
    private static func refuseSwitchLoops(_ draft: TopologyDraft,
                                          isSwitch: (Written<Endpoint>) -> Bool) throws(TopologyError) {
        // The links accepted so far form a forest of switches; a new link between two switches
        // already connected in it closes a loop.
        var adjacent: [String: [(link: LinkDraft, to: String)]] = [:]
        for link in draft.links where isSwitch(link.a) && isSwitch(link.b) {
            let (from, to) = (link.a.value.node, link.b.value.node)
            if let path = Self.path(from: from, to: to, in: adjacent) {
                let loop = path + [link]
                let names = loop.map { "link \($0.id) (\($0.a.value)–\($0.b.value))" }.joined(separator: ", ")
                let ids = loop.map(\.id).sorted().map(String.init).joined(separator: ", ")
                throw link.field.error(
                    "link \(link.id) closes a loop of switches: \(names); switch loops are not supported, since the switches run no spanning tree protocol and a broadcast would circle forever",
                    accepted: "switches cabled as a tree, with one path between any two; remove one of links \(ids)")
            }
            adjacent[from, default: []].append((link, to))
            adjacent[to, default: []].append((link, from))
        }
    }

    /// The links from `start` to `goal` in a forest, or nil when they are not connected; an
    /// empty path when they are the same switch (a switch cabled to itself).
    private static func path(from start: String, to goal: String,
                             in adjacent: [String: [(link: LinkDraft, to: String)]]) -> [LinkDraft]? {
        var cameBy: [String: (link: LinkDraft, from: String)] = [:]
        var visited: Set<String> = [start]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let here = queue[head]
            head += 1
            if here == goal {
                var path: [LinkDraft] = []
                var at = goal
                while let step = cameBy[at] {
                    path.append(step.link)
                    at = step.from
                }
                return path.reversed()
            }
            for (link, next) in adjacent[here] ?? [] where !visited.contains(next) {
                visited.insert(next)
                cameBy[next] = (link, here)
                queue.append(next)
            }
        }
        return nil
    }
}
