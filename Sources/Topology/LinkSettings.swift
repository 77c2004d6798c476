import SmartNIC

/// One direction's impairment fields as written, each checked on its own and kept with the
/// place it was written, so that a later check (the queue against the MTU) can point at it.
struct ImpairmentDraft {
    var changes: [ImpairmentField: Written<ImpairmentField.Change>] = [:]

    /// These settings with `other`'s laid over them field by field: a link that sets only
    /// `delay` keeps the defaults' loss and rate.
    func overridden(by other: ImpairmentDraft) -> ImpairmentDraft {
        ImpairmentDraft(changes: changes.merging(other.changes) { _, new in new })
    }

    /// `Impairments.none` with every written field applied.
    var impairments: Impairments {
        var result = Impairments.none
        for field in ImpairmentField.allCases { changes[field]?.value.apply(&result) }
        return result
    }
}

/// What `defaults.link` and a link share: impairments for both directions, and the MTU.
struct LinkSettingsDraft {
    var impairments = ImpairmentDraft()
    var mtu: Written<Int>?

    func overridden(by other: LinkSettingsDraft) -> LinkSettingsDraft {
        LinkSettingsDraft(impairments: impairments.overridden(by: other.impairments), mtu: other.mtu ?? mtu)
    }
}

/// The link fields of a topology: `delay`, `loss`, … under a link, under `defaults.link`, and
/// per direction under a link's `egress`.
extension TopologyParser {
    /// The YAML keys of the impairment fields, in the order messages list them. `burst` is
    /// not among them: a file writes it inside `loss`, next to the rate it shapes.
    static let impairmentKeys = ["delay", "jitter", "loss", "duplicate", "reorder", "corrupt", "rate", "queue"]
    static let linkSettingKeys = impairmentKeys + ["mtu"]
    static let linkKeys = ["endpoints"] + linkSettingKeys + ["egress", "encap"]

    enum LinkAccepted {
        static let link = "a mapping with key endpoints and optionally \((linkSettingKeys + ["egress", "encap"]).joined(separator: ", "))"
        static let encap = "vxlan (the default; what Linux and tshark decode) or raw (a bare Ethernet frame per datagram, for QEMU's -netdev dgram)"
        static let defaultLink = "a mapping with optional keys \(linkSettingKeys.joined(separator: ", ")), e.g. {delay: 10ms, rate: 100Mbit}"
        static let egress = "a mapping from one or both of the link's endpoints to impairments for the frames that end sends, e.g. {h1:eth0: {delay: 50ms}}"
        static let directional = "a mapping with optional keys \(impairmentKeys.joined(separator: ", ")), e.g. {delay: 50ms, loss: 1%}"
        static let loss = "a percentage from 0% to 100%, e.g. 5% or 0.5%, or a mapping {percent: 5%, burst: 3} where burst ≥ 1 is the mean length of a run of lost frames"
        static let lossMapping = "a mapping with key percent and optionally burst, e.g. {percent: 5%, burst: 3}"
        static let mtu = "an integer number of bytes in \(LinkSpec.mtuRange)"
    }

    /// `defaults.link`: the same fields as a link, minus endpoints and egress.
    func defaultLink(_ field: YAMLField) throws(TopologyError) -> LinkSettingsDraft {
        let fields = try field.fields(accepting: Self.linkSettingKeys, accepted: LinkAccepted.defaultLink)
        return try linkSettings(fields)
    }

    /// The impairment fields and `mtu` present in `fields`, whose keys the caller has checked.
    func linkSettings(_ fields: YAMLFields) throws(TopologyError) -> LinkSettingsDraft {
        var settings = LinkSettingsDraft(impairments: try impairments(fields))
        if let field = fields.optional("mtu") {
            settings.mtu = Written(value: try integer(field, in: LinkSpec.mtuRange, accepted: LinkAccepted.mtu),
                                   field: field)
        }
        return settings
    }

    /// A link's `egress`: per end, the fields that override the link's own for frames it sends.
    func egress(_ field: YAMLField, a: Endpoint, b: Endpoint) throws(TopologyError) -> (a: ImpairmentDraft, b: ImpairmentDraft) {
        var result = (a: ImpairmentDraft(), b: ImpairmentDraft())
        for entry in try field.entries(accepted: LinkAccepted.egress) {
            let end = try endpoint(entry.key)
            guard end.value == a || end.value == b else {
                throw entry.key.error("'\(entry.name)' is not an end of this link",
                                      accepted: "\(a) or \(b), the end whose sent frames the settings affect")
            }
            // `h1:eth0:` with nothing after it overrides nothing.
            var draft = ImpairmentDraft()
            if !entry.value.isNull {
                if case .mapping = entry.value.node,
                   let mtu = try entry.value.entries(accepted: LinkAccepted.directional).first(where: { $0.name == "mtu" }) {
                    throw mtu.key.error("mtu cannot differ by direction: both ends of a link share it",
                                        accepted: "mtu on the link itself; under egress: \(Self.impairmentKeys.joined(separator: ", "))")
                }
                draft = try impairments(try entry.value.fields(accepting: Self.impairmentKeys,
                                                               accepted: LinkAccepted.directional))
            }
            if end.value == a { result.a = draft } else { result.b = draft }
        }
        return result
    }

    private func impairments(_ fields: YAMLFields) throws(TopologyError) -> ImpairmentDraft {
        var draft = ImpairmentDraft()
        for key in Self.impairmentKeys {
            guard let field = fields.optional(key), let known = ImpairmentField(rawValue: key) else { continue }
            if known == .loss, case .mapping = field.node {
                try lossMapping(field, into: &draft)
                continue
            }
            let accepted = known == .loss ? LinkAccepted.loss : known.accepted
            draft.changes[known] = Written(value: try change(known, field, accepted: accepted), field: field)
            // A plain `loss: 5%` is independent loss: it sets the burst as well, so that what a
            // link says is what it gets, whatever `defaults.link` said about bursts.
            if known == .loss {
                draft.changes[.burst] = Written(value: try change(.burst, "1", at: field), field: field)
            }
        }
        return draft
    }

    /// `loss: {percent: 5%, burst: 3}`.
    private func lossMapping(_ field: YAMLField, into draft: inout ImpairmentDraft) throws(TopologyError) {
        let fields = try field.fields(accepting: ["percent", "burst"], accepted: LinkAccepted.lossMapping)
        let percent = try fields.required("percent", accepted: ImpairmentField.loss.accepted)
        draft.changes[.loss] = Written(value: try change(.loss, percent, accepted: ImpairmentField.loss.accepted),
                                       field: percent)
        if let burst = fields.optional("burst") {
            draft.changes[.burst] = Written(value: try change(.burst, burst, accepted: ImpairmentField.burst.accepted),
                                            field: burst)
        } else {
            draft.changes[.burst] = Written(value: try change(.burst, "1", at: field), field: field)
        }
    }

    /// The field's text read by `ImpairmentField`, its complaint turned into the file's error.
    private func change(_ known: ImpairmentField, _ field: YAMLField,
                        accepted: String) throws(TopologyError) -> ImpairmentField.Change {
        let text = try field.string(accepted: accepted)
        do {
            return try known.change(text)
        } catch {
            throw field.error(error.problem, accepted: accepted)
        }
    }

    /// A value the parser supplies itself (the burst a plain loss implies).
    private func change(_ known: ImpairmentField, _ text: String,
                        at field: YAMLField) throws(TopologyError) -> ImpairmentField.Change {
        do {
            return try known.change(text)
        } catch {
            throw field.error(error.problem, accepted: known.accepted)
        }
    }
}
