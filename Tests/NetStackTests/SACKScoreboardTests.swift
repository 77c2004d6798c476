@testable import NetStack
import SmartNIC
import Testing
import Wire

/// The scoreboard against a model that marks every SACKed byte: after random blocks and
/// advancing ACKs, its ranges are exactly the marked runs, sorted and separate.
@Suite("SACK scoreboard")
struct SACKScoreboardTests {
    static let base = SequenceNumber(0xffff_f000)  // the space wraps inside the test

    @Test func randomBlocksMatchAByteModel() {
        var rng = SeededRandom(seed: 0x5ac4)
        for _ in 0..<200 {
            var board = SACKScoreboard()
            var marked = [Bool](repeating: false, count: 20_000)
            var una = 0
            for _ in 0..<30 {
                var blocks = SACKBlocks()
                for _ in 0..<Int(rng.next() % 5) {
                    let left = min(una + Int(rng.next() % 10_000), 19_999)
                    let right = min(left + 1 + Int(rng.next() % 3_000), 20_000)
                    blocks.append(SACKBlock(left: (Self.base + left).rawValue, right: (Self.base + right).rawValue))
                    for byte in left..<right { marked[byte] = true }
                }
                if rng.next() % 3 == 0 { una = min(una + Int(rng.next() % 2_000), 19_000) }
                board.update(blocks: blocks, sndUna: Self.base + una, sndMax: Self.base + 20_000)
                #expect(runs(board) == modelRuns(marked, from: una), "after an ACK of \(una)")
            }
        }
    }

    @Test func touchingAndContainedBlocksMergeInPlace() {
        var board = SACKScoreboard()
        let una = Self.base, max = Self.base + 10_000
        board.update(blocks: [block(100, 200), block(300, 400)], sndUna: una, sndMax: max)
        board.update(blocks: [block(200, 300)], sndUna: una, sndMax: max)
        #expect(runs(board) == [100..<400])
        board.update(blocks: [block(150, 250), block(50, 450)], sndUna: una, sndMax: max)
        #expect(runs(board) == [50..<450])
        board.update(blocks: [], sndUna: Self.base + 120, sndMax: max)
        #expect(runs(board) == [120..<450])
    }

    @Test func blocksOutsideWhatWasSentAreIgnored() {
        var board = SACKScoreboard()
        board.update(blocks: [block(100, 20_001), block(300, 200), block(0, 50)],
                     sndUna: Self.base + 60, sndMax: Self.base + 20_000)
        #expect(board.isEmpty)
    }

    @Test func theBoardHoldsAtMostItsRangesAndIgnoresTheRest() {
        var board = SACKScoreboard()
        for index in 0..<(SACKScoreboard.maximumRanges + 10) {
            board.update(blocks: [block(index * 100 + 10, index * 100 + 20)], sndUna: Self.base, sndMax: Self.base + 100_000)
        }
        #expect(board.ranges.count == SACKScoreboard.maximumRanges)
        // A block that joins ranges already held is still taken.
        board.update(blocks: [block(10, 220)], sndUna: Self.base, sndMax: Self.base + 100_000)
        #expect(runs(board).first == 10..<220)
    }

    @Test func lossFollowsRFC6675IsLost() {
        var board = SACKScoreboard()
        board.update(blocks: [block(1000, 2000)], sndUna: Self.base, sndMax: Self.base + 10_000)
        #expect(!board.isLost(Self.base, mss: 1000), "1000 bytes above are fewer than (3 − 1) × SMSS")
        board.update(blocks: [block(2500, 3600)], sndUna: Self.base, sndMax: Self.base + 10_000)
        #expect(board.isLost(Self.base, mss: 1000), "2100 bytes SACKed above")
        #expect(!board.isLost(Self.base + 2400, mss: 1000))
    }

    private func block(_ left: Int, _ right: Int) -> SACKBlock {
        SACKBlock(left: (Self.base + left).rawValue, right: (Self.base + right).rawValue)
    }

    private func runs(_ board: SACKScoreboard) -> [Range<Int>] {
        board.ranges.map { ($0.start - Self.base)..<($0.end - Self.base) }
    }

    private func modelRuns(_ marked: [Bool], from una: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for byte in una...marked.count {
            let on = byte < marked.count && marked[byte]
            if on && start == nil { start = byte }
            if !on, let begin = start { result.append(begin..<byte); start = nil }
        }
        return result
    }
}
