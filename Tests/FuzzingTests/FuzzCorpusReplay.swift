import Foundation
import Fuzzing
import Testing

/// Every committed input of every fuzz target, seeds and past findings alike, runs through its
/// target: a finding, once fixed, stays fixed (`scripts/fuzz` adds a crash's input here).
@Suite("fuzz corpora")
struct FuzzCorpusReplay {
    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpora")

    static func inputs(of target: FuzzTarget) throws -> [URL] {
        let directory = corpora.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCommittedInputRunsClean(_ target: FuzzTarget) throws {
        let files = try Self.inputs(of: target)
        #expect(files.count >= 4, "\(target.rawValue) has a seed corpus")
        for file in files {
            let data = try Data(contentsOf: file)
            data.withUnsafeBytes { target.run($0) }
        }
    }

    /// The frame seeds are a real exchange: ARP, echo requests whole and in fragments, a TCP
    /// handshake with options, data, FIN, UDP to the echo service and to a closed port.
    @Test func theFrameSeedsAreARealExchange() {
        let seeds = SeedInputs.generate()
        let frames = seeds[.frame] ?? []
        let etherTypes = Set(frames.map { UInt16($0[8 + 12]) << 8 | UInt16($0[8 + 13]) })
        #expect(etherTypes == [0x0806, 0x0800])
        let protocols = Set(frames.filter { $0.count > 8 + 14 + 20 && $0[8 + 12] == 0x08 && $0[8 + 13] == 0 }.map { $0[8 + 14 + 9] })
        #expect(protocols == [1, 6, 17])
        #expect(frames.contains { $0.count > 8 + 14 + 20 && $0[8 + 14 + 6] & 0x20 != 0 }, "a first fragment")
        #expect((seeds[.tcpOptions] ?? []).contains { $0.count >= 12 }, "a SYN's options")
        for target in FuzzTarget.allCases where target != .topology && target != .scenario {
            #expect(!(seeds[target] ?? []).isEmpty, "\(target.rawValue) has generated seeds")
        }
    }
}
