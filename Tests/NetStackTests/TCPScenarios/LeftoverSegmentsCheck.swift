import Testing

/// The end-of-scenario check of `SegmentScript`: when a test that made scripts ends, every
/// segment each of its stacks sent must have been consumed by an `expect`, so a spurious ACK or
/// RST sent with (or after) the last expected segment fails the test. Scripts find the check
/// through a task-local registry; a script made in a suite without `.checksLeftoverSegments`
/// fails at once, so the check cannot be left out.
struct LeftoverSegmentsCheck: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        // The suite itself gets a scope too; only test cases make scripts.
        guard testCase != nil, !test.isSuite else { return try await function() }
        let registry = SegmentScriptRegistry()
        try await SegmentScriptRegistry.$current.withValue(registry) { try await function() }
        for (script, location) in registry.scripts { script.checkNothingLeft(madeAt: location) }
    }
}

extension Trait where Self == LeftoverSegmentsCheck {
    /// Every `SegmentScript` of the suite's tests must end with all the stack sent consumed.
    static var checksLeftoverSegments: Self { LeftoverSegmentsCheck() }
}

/// The scripts one test made. A test's scripts are made and used on the test's own task, one
/// at a time, so the list needs no lock.
final class SegmentScriptRegistry: @unchecked Sendable {
    @TaskLocal static var current: SegmentScriptRegistry?
    private(set) var scripts: [(SegmentScript, SourceLocation)] = []

    func register(_ script: SegmentScript, madeAt location: SourceLocation) { scripts.append((script, location)) }
}
