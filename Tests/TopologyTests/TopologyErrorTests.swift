import Testing
import Topology

@Suite struct TopologyErrorTests {
    @Test func describesLikeACompiler() {
        let error = TopologyError(file: "t.yaml", line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                                  message: "bad; accepted: good")
        #expect(error.description == "t.yaml:6:23: nodes.h1.interfaces.eth0.address: bad; accepted: good")
    }

    @Test func leavesOutWhatIsUnknown() {
        #expect(TopologyError(file: "t.yaml", line: 6, column: 0, field: "name", message: "m").description
                    == "t.yaml:6: name: m")
        #expect(TopologyError(file: "t.yaml", line: 0, column: 0, field: "", message: "no such file").description
                    == "t.yaml: no such file")
    }

    @Test func pointsAtTheOffendingValue() throws {
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: "10.0.0.300/24")
        let error = try #require(expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                                               saying: "10.0.0.300/24"))
        #expect(error.description == "test.yaml:6:23: nodes.h1.interfaces.eth0.address: '10.0.0.300/24' is not an IPv4 address with prefix length; accepted: A.B.C.D/N with N in 0...32")
    }
}
