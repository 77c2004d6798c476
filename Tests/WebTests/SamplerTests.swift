import Foundation
import SmartNIC
import Testing
import Topology
@testable import Web

/// The arithmetic and the parsing between what nodes say and what the page and /metrics show.
@Suite("web view sampling")
struct SamplerTests {
    @Test func aLinkEndsStateReadsAsTheImpairmentsThatDifferFromNone() throws {
        let plain = LinkEndState(up: true, egress: .none, ingress: .none)
        #expect(LinkEndState.summary(plain.sends) == "" && LinkEndState.summary(plain.arriving) == "")
        let impaired = LinkEndState(up: false, egress: Impairments(delay: .milliseconds(20), loss: 0.05, rate: 50_000_000),
                                    ingress: Impairments(queueLimit: 64 * 1024))
        #expect(impaired.sends["loss"] == "5%")
        #expect(LinkEndState.summary(impaired.sends) == "delay 20ms, loss 5%, rate 50Mbit")
        // A queue feeds only a rate limiter: without one, its size changes nothing.
        #expect(LinkEndState.summary(impaired.arriving) == "")
        let limited = LinkEndState(up: true, egress: Impairments(rate: 1_000_000, queueLimit: 64 * 1024), ingress: .none)
        #expect(LinkEndState.summary(limited.sends) == "rate 1Mbit, queue 64KiB")
        // What `stats --json` writes is what the sampler reads.
        let decoded = try JSONDecoder().decode(LinkEndState.self, from: JSONEncoder().encode(impaired))
        #expect(decoded == impaired)
    }

    /// A linux node's end has no figures of its own: the link's state and the impairments of
    /// its frames are those our peer port applies on arrival.
    @Test func anEndWithoutANICOfOursReadsItsPeersArrivingSide() {
        let h1 = Sampler.NodeFigures(ports: [:], nics: [:], links: [
            "h1:eth0": LinkEndState(up: false, egress: Impairments(delay: .milliseconds(5)), ingress: Impairments(loss: 0.03)),
        ])
        let figures = ["h1": h1]
        #expect(Sampler.state(of: "h1:eth0", peer: "l1:eth0", figures: figures) == (false, "delay 5ms"))
        #expect(Sampler.state(of: "l1:eth0", peer: "h1:eth0", figures: figures) == (false, "loss 3%"))
        #expect(Sampler.state(of: "x1:eth0", peer: "x2:eth0", figures: figures) == (nil, ""))
    }

    static func totals(tx: Int, drops: Int, copied: Int) -> LiveView.Totals {
        LiveView.Totals(txFrames: tx / 1000, rxFrames: 0, txBytes: tx, rxBytes: 0, drops: ["loss": drops], cpuCopiedBytes: copied,
                        busBytes: 2 * copied, payloadBytes: copied, mode: "conventional", cardBytesNow: 0)
    }

    @Test func ratesArePerSecondBetweenTwoReadings() {
        let rates = Sampler.rates(from: Self.totals(tx: 1_000_000, drops: 3, copied: 500), to: Self.totals(tx: 3_000_000, drops: 7, copied: 2500), over: 2)
        #expect(rates.txBitsPerSecond == 8_000_000)
        #expect(rates.txFramesPerSecond == 1000)
        #expect(rates.dropsPerSecond["loss"] == 2)
        #expect(rates.cpuCopiedBytesPerSecond == 1000)
        #expect(rates.busBytesPerSecond == 2000)
    }

    @Test func aCounterThatWentBackCountsFromZero() {
        // The node restarted between the readings: its counters began again.
        let rates = Sampler.rates(from: Self.totals(tx: 9_000_000, drops: 50, copied: 0), to: Self.totals(tx: 1_000_000, drops: 1, copied: 0), over: 1)
        #expect(rates.txBitsPerSecond == 8_000_000)
        #expect(rates.dropsPerSecond["loss"] == 1)
    }

    @Test func everyDropCounterOfAPortHasACause() throws {
        // A drop counter added to PortCounters must reach the page and /metrics: each one set
        // to a distinct value must appear once among the causes.
        var port = PortCounters()
        var expected: [Int] = []
        var next = 1
        for (label, _) in Mirror(reflecting: port).children.compactMap({ child in child.label.map { ($0, child.value) } })
        where label.hasPrefix("dropped") || label == "checksumErrors" {
            expected.append(next)
            switch label {
            case "droppedForeignSource": port.droppedForeignSource = next
            case "droppedBadEncapsulation": port.droppedBadEncapsulation = next
            case "droppedWrongVNI": port.droppedWrongVNI = next
            case "droppedOnSend": port.droppedOnSend = next
            case "droppedRingFull": port.droppedRingFull = next
            case "droppedByFilter": port.droppedByFilter = next
            case "droppedLoss": port.droppedLoss = next
            case "droppedQueueFull": port.droppedQueueFull = next
            case "droppedDelayLineFull": port.droppedDelayLineFull = next
            case "droppedLinkDown": port.droppedLinkDown = next
            case "checksumErrors": port.checksumErrors = next
            default: Issue.record("PortCounters.\(label) is a drop the web view does not show")
            }
            next += 1
        }
        let shown = Set(Sampler.drops(port, try NICReportSample.conventional()).values)
        for value in expected { #expect(shown.contains(value)) }
    }

    @Test func accessRulesReadAddressesAndHosts() {
        #expect(AccessMiddleware<WebRequestContext>.hostIsLiteral("127.0.0.1:8080"))
        #expect(AccessMiddleware<WebRequestContext>.hostIsLiteral("localhost:8080"))
        #expect(AccessMiddleware<WebRequestContext>.hostIsLiteral("[::1]:8080"))
        #expect(AccessMiddleware<WebRequestContext>.hostIsLiteral("10.1.2.3"))
        #expect(!AccessMiddleware<WebRequestContext>.hostIsLiteral("rebound.example:8080"))
        #expect(!AccessMiddleware<WebRequestContext>.hostIsLiteral("1.2.3.4.example"))
        #expect(!AccessMiddleware<WebRequestContext>.hostIsLiteral(""))
    }
}

/// A NIC report of a conventional card with no traffic, decoded as a node sends it.
enum NICReportSample {
    static func conventional() throws -> NICReport {
        let json = #"{"mode":"conventional","checksumOffload":true,"headerPrefix":128,"counters":{"cpuCopiedBytes":0,"hostToCardBytes":0,"cardToHostBytes":0,"payloadBytesWritten":0,"payloadBytesRead":0,"headerFetches":0,"transmitFallbacks":0,"receiveFallbacks":0,"droppedNoBuffer":0},"cardMemoryBytes":0,"cardUsableBytes":0,"cardBytesNow":0,"cardBytesPeak":0,"cardFailedAllocations":0,"hostMemoryBytes":0,"hostBytesNow":0,"hostBytesPeak":0,"checksumErrors":0,"wireFramesTransmitted":0,"wireFramesReceived":0,"wireBytesTransmitted":0,"wireBytesReceived":0}"#
        return try JSONDecoder().decode(NICReport.self, from: Data(json.utf8))
    }
}
