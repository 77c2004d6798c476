import SmartNIC
import Testing
import Topology

/// `pairYAML` with `nic: <block>` under h2, on line 9; in a flow block the first key is at
/// column 11.
private func h2NIC(_ block: String) -> String {
    pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: host\n    nic: \(block)")
}

/// `pairYAML` with `defaults: {nic: <block>}` in front, the block on line 2; in a flow block
/// the first key is at column 9.
private func defaultNIC(_ block: String, h2 h2Block: String? = nil) -> String {
    "defaults:\n  nic: \(block)\n" + (h2Block.map(h2NIC) ?? pairYAML)
}

@Suite("per-node NIC settings")
struct NICSettingsTests {
    // MARK: What a topology gets

    @Test func everyNodeHasTheDefaultSmartCardUnlessSet() throws {
        let topology = try Topology.parse(yaml: pairYAML, sourcePath: "test.yaml")
        for node in topology.nodes {
            #expect(node.nic == NICConfiguration())
            #expect(node.nic.mode == .smart)
            #expect(node.nic.cardMemory == 16 << 20)
            #expect(node.nic.headerPrefix == 96)
            #expect(node.nic.checksumOffload)
        }
    }

    @Test func emptyNICBlockChangesNothing() throws {
        for block in ["{}", ""] {
            let topology = try Topology.parse(yaml: defaultNIC("{mode: conventional}", h2: block), sourcePath: "test.yaml")
            #expect(topology.node(named: "h2")?.nic == .conventional, "nic: \(block)")
        }
    }

    @Test func nodeSpecWithoutNICGetsTheDefault() {
        let node = NodeSpec(name: "h1", kind: .host, gateway: nil, interfaces: [])
        #expect(node.nic == NICConfiguration())
    }

    @Test func conventionalCardOffloadsChecksumsOnlyWhenAsked() throws {
        let plain = try Topology.parse(yaml: h2NIC("{mode: conventional}"), sourcePath: "test.yaml")
        #expect(plain.node(named: "h1")?.nic == .smart)
        #expect(plain.node(named: "h2")?.nic == NICConfiguration(mode: .conventional, checksumOffload: false))
        let offloading = try Topology.parse(yaml: h2NIC("{mode: conventional, checksum_offload: true}"),
                                            sourcePath: "test.yaml")
        #expect(offloading.node(named: "h2")?.nic.checksumOffload == true)
    }

    @Test func smartCardWithOffloadSaidExplicitlyIsFine() throws {
        let topology = try Topology.parse(yaml: h2NIC("{mode: smart, checksum_offload: true}"), sourcePath: "test.yaml")
        #expect(topology.node(named: "h2")?.nic == .smart)
    }

    @Test func defaultsApplyToEveryNode() throws {
        let yaml = defaultNIC("{mode: conventional, card_memory: 1MiB, header_prefix: 64, checksum_offload: true}")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let expected = NICConfiguration(mode: .conventional, cardMemory: 1 << 20, headerPrefix: 64, checksumOffload: true)
        #expect(topology.nodes.map(\.nic) == [expected, expected])
    }

    @Test func nodeOverridesDefaultsFieldByField() throws {
        let yaml = """
            defaults:
              nic:
                mode: conventional
                card_memory: 1MiB
                header_prefix: 64
            name: t
            nodes:
              h1:
                kind: host
                interfaces: {eth0: {}}
                nic: {header_prefix: 128, checksum_offload: true}
              h2:
                kind: host
                nic:
                  mode: smart
                  card_memory: 2MiB
              h3:
                kind: host
                nic: {checksum_offload: false}
            links:
              - endpoints: [h1:eth0, h2:eth0]
              - endpoints: [h3:eth0, h1:eth1]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        // h1 keeps the defaults' mode and card memory; h2 the defaults' prefix; h3 all of them.
        #expect(topology.node(named: "h1")?.nic
                    == NICConfiguration(mode: .conventional, cardMemory: 1 << 20, headerPrefix: 128, checksumOffload: true))
        #expect(topology.node(named: "h2")?.nic
                    == NICConfiguration(mode: .smart, cardMemory: 2 << 20, headerPrefix: 64, checksumOffload: true))
        #expect(topology.node(named: "h3")?.nic
                    == NICConfiguration(mode: .conventional, cardMemory: 1 << 20, headerPrefix: 64, checksumOffload: false))
    }

    @Test func nodeCanTurnOffloadBackOnAgainstTheDefaults() throws {
        let yaml = defaultNIC("{mode: conventional, checksum_offload: false}", h2: "{checksum_offload: true}")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.node(named: "h1")?.nic.checksumOffload == false)
        #expect(topology.node(named: "h2")?.nic.checksumOffload == true)
        #expect(topology.node(named: "h2")?.nic.mode == .conventional)
    }

    @Test(arguments: [
        ("65536", 65536),
        ("64KiB", 64 << 10),
        ("16MiB", 16 << 20),
        ("4GiB", 4 << 30),
        ("100k", 100_000),
        ("100K", 100_000),
        ("3M", 3_000_000),
        ("2G", 2_000_000_000),
        ("'1MiB'", 1 << 20),
    ])
    func cardMemorySizes(text: String, bytes: Int) throws {
        let topology = try Topology.parse(yaml: h2NIC("{card_memory: \(text)}"), sourcePath: "test.yaml")
        #expect(topology.node(named: "h2")?.nic.cardMemory == bytes)
        #expect(topology.node(named: "h1")?.nic.cardMemory == NICConfiguration.defaultCardMemory)
    }

    @Test(arguments: [54, 96, 256])
    func headerPrefixesInRange(bytes: Int) throws {
        let topology = try Topology.parse(yaml: h2NIC("{header_prefix: \(bytes)}"), sourcePath: "test.yaml")
        #expect(topology.node(named: "h2")?.nic.headerPrefix == bytes)
    }

    @Test(arguments: ["true", "True", "TRUE"])
    func offloadSpellingsOfTrue(text: String) throws {
        let topology = try Topology.parse(yaml: h2NIC("{mode: conventional, checksum_offload: \(text)}"),
                                          sourcePath: "test.yaml")
        #expect(topology.node(named: "h2")?.nic.checksumOffload == true)
    }

    // MARK: Mistakes, each refused where it was written

    @Test func unknownKeyUnderANode() {
        expectRefusal(h2NIC("{mode: smart, cache: 1MiB}"), line: 9, column: 24, field: "nodes.h2.nic.cache",
                      saying: "unknown key 'cache'; accepted: mode, card_memory, header_prefix, checksum_offload")
    }

    @Test func unknownKeyUnderDefaults() {
        expectRefusal(defaultNIC("{card_mem: 1MiB}"), line: 2, column: 9, field: "defaults.nic.card_mem",
                      saying: "unknown key 'card_mem'; accepted: mode, card_memory, header_prefix, checksum_offload")
    }

    @Test func unknownKeyBesideNICInDefaults() {
        let yaml = "defaults:\n  nics: {mode: smart}\n" + pairYAML
        expectRefusal(yaml, line: 2, column: 3, field: "defaults.nics", saying: "unknown key 'nics'; accepted: underlay, nic")
    }

    @Test func nicThatIsNotAMapping() {
        expectRefusal(h2NIC("conventional"), line: 9, column: 10, field: "nodes.h2.nic",
                      saying: "got 'conventional'; accepted: a mapping with optional keys mode, card_memory, header_prefix, checksum_offload")
    }

    @Test func badMode() {
        expectRefusal(h2NIC("{mode: offload}"), line: 9, column: 17, field: "nodes.h2.nic.mode",
                      saying: "'offload' is not a NIC mode; accepted: smart, conventional")
    }

    @Test func badModeUnderDefaults() {
        expectRefusal(defaultNIC("{mode: Smart}"), line: 2, column: 15, field: "defaults.nic.mode",
                      saying: "'Smart' is not a NIC mode; accepted: smart, conventional")
    }

    @Test func modeGivenAsAList() {
        expectRefusal(h2NIC("{mode: [smart]}"), line: 9, column: 17, field: "nodes.h2.nic.mode",
                      saying: "got a sequence; accepted: smart, conventional")
    }

    @Test(arguments: ["16MB", "16 MiB", "16mib", "1.5GiB", "KiB", "lots", "0x10000", "16Ki", "1e6", "-"])
    func cardMemoryThatIsNotASize(text: String) {
        expectRefusal(h2NIC("{card_memory: \(text)}"), line: 9, column: 24, field: "nodes.h2.nic.card_memory",
                      saying: "'\(text)' is not a byte size; accepted: a byte size in 64KiB...4GiB: a plain integer number of bytes, or an integer followed by KiB, MiB, GiB (powers of 1024) or k, K, M, G (powers of 1000)")
    }

    @Test(arguments: [
        ("32KiB", " (32768 bytes) is out of range"),
        ("65535", " is out of range"),
        ("0", " is out of range"),
        ("64k", " (64000 bytes) is out of range"),
        ("4097MiB", " (4296015872 bytes) is out of range"),
        ("5G", " (5000000000 bytes) is out of range"),
        ("-1MiB", " is out of range"),
        ("99999999999999999999999", " is out of range"),
        ("9999999999999GiB", " is out of range"),
    ])
    func cardMemoryOutOfRange(text: String, problem: String) {
        expectRefusal(h2NIC("{card_memory: \(text)}"), line: 9, column: 24, field: "nodes.h2.nic.card_memory",
                      saying: "'\(text)'\(problem); accepted: a byte size in 64KiB...4GiB")
    }

    @Test func cardMemoryOutOfRangeUnderDefaults() {
        expectRefusal(defaultNIC("{card_memory: 8GiB}"), line: 2, column: 22, field: "defaults.nic.card_memory",
                      saying: "'8GiB' (8589934592 bytes) is out of range; accepted: a byte size in 64KiB...4GiB")
    }

    @Test func cardMemoryGivenAsAMapping() {
        expectRefusal(h2NIC("{card_memory: {MiB: 16}}"), line: 9, column: 24, field: "nodes.h2.nic.card_memory",
                      saying: "got a mapping; accepted: a byte size")
    }

    @Test(arguments: ["53", "257", "0", "-96", "99999999999999999999999"])
    func headerPrefixOutOfRange(text: String) {
        expectRefusal(h2NIC("{header_prefix: \(text)}"), line: 9, column: 26, field: "nodes.h2.nic.header_prefix",
                      saying: "'\(text)' is out of range; accepted: an integer number of bytes in 54...256")
    }

    @Test(arguments: ["96B", "1KiB", "0x60", "ninety-six"])
    func headerPrefixThatIsNotAnInteger(text: String) {
        expectRefusal(h2NIC("{header_prefix: \(text)}"), line: 9, column: 26, field: "nodes.h2.nic.header_prefix",
                      saying: "'\(text)' is not an integer; accepted: an integer number of bytes in 54...256")
    }

    @Test(arguments: ["yes", "off", "1", "0", "'maybe'"])
    func offloadThatIsNotABool(text: String) {
        let shown = text.replacingOccurrences(of: "'", with: "")
        expectRefusal(h2NIC("{mode: conventional, checksum_offload: \(text)}"), line: 9, column: 49,
                      field: "nodes.h2.nic.checksum_offload", saying: "'\(shown)' is not true or false; accepted: true or false")
    }

    @Test func offloadGivenAsAList() {
        expectRefusal(h2NIC("{checksum_offload: [true]}"), line: 9, column: 29, field: "nodes.h2.nic.checksum_offload",
                      saying: "got a sequence; accepted: true or false")
    }

    @Test func smartCardWithoutOffloadByDefaultMode() throws {
        let error = try #require(expectRefusal(
            h2NIC("{checksum_offload: false}"), line: 9, column: 29, field: "nodes.h2.nic.checksum_offload",
            saying: "the smart card must compute checksums because the host never touches the payload"))
        #expect(error.description == "test.yaml:9:29: nodes.h2.nic.checksum_offload: h2's NIC is smart (the default mode), so checksum offload cannot be off: the smart card must compute checksums because the host never touches the payload; accepted: true or leaving checksum_offload out with mode smart; false only with mode conventional")
    }

    @Test func smartCardWithoutOffloadSaidInOneBlock() {
        expectRefusal(h2NIC("{mode: smart, checksum_offload: false}"), line: 9, column: 42,
                      field: "nodes.h2.nic.checksum_offload",
                      saying: "h2's NIC is smart (set by nodes.h2.nic.mode at line 9), so checksum offload cannot be off")
    }

    @Test func smartCardWithoutOffloadFromDefaults() {
        // The defaults turn offload off; nothing else sets a mode, so h1, the first node, is smart.
        expectRefusal(defaultNIC("{checksum_offload: false}"), line: 2, column: 27,
                      field: "defaults.nic.checksum_offload",
                      saying: "h1's NIC is smart (the default mode), so checksum offload cannot be off: the smart card must compute checksums")
    }

    @Test func nodeTurnsSmartOverDefaultsThatTurnOffloadOff() {
        // Fine for h1, which stays conventional; h2's mode meets the defaults' offload.
        let yaml = defaultNIC("{mode: conventional, checksum_offload: false}", h2: "{mode: smart}")
        expectRefusal(yaml, line: 2, column: 47, field: "defaults.nic.checksum_offload",
                      saying: "h2's NIC is smart (set by nodes.h2.nic.mode at line 11), so checksum offload cannot be off")
    }

    @Test func nodeTurnsOffloadOffUnderSmartDefaults() {
        let yaml = defaultNIC("{mode: smart}", h2: "{checksum_offload: false}")
        expectRefusal(yaml, line: 11, column: 29, field: "nodes.h2.nic.checksum_offload",
                      saying: "h2's NIC is smart (set by defaults.nic.mode at line 2), so checksum offload cannot be off")
    }
}
