// SPDX-License-Identifier: Apache-2.0
import Detection
import NetworkLayers
import Testing

/// The threshold file (Suricata's `threshold.config`) and the classification file (`classification.config`):
/// their syntax, every error at its place, and how their lines apply to rules.
@Suite struct ThresholdFileTests {
    static let rules = Detection.parseRules(
        """
        alert dnp3 any any -> any any (msg:"one"; dnp3_func:read; sid:1;)
        alert dnp3 any any -> any any (msg:"two"; dnp3_func:read; threshold: type limit, track by_dst, count 5, seconds 9; sid:2;)
        alert dnp3 any any -> any any (msg:"three"; dnp3_func:read; gid:3; sid:3;)
        """,
        file: "t.rules"
    ).rules

    static func context(from source: UInt32) -> Detection.PacketContext {
        Detection.PacketContext(
            source: IPAddress(ipv4: source),
            destination: IPAddress(ipv4: 0x0A00_0002),
            sourcePort: 40000,
            destinationPort: 20000,
            toServer: true,
            established: true
        )
    }

    @Test func linesApplyAsSuricataDocuments() throws {
        let directives = try Detection.parseThresholdFile(
            """
            # a global line for generator 1, a line for sid 1, a suppression by source network for sid 3
            threshold gen_id 1, sig_id 0, type both, track by_src, count 3, seconds 60
            event_filter gen_id 1, sig_id 1, type limit, track by_rule, count 1, seconds 30
            suppress gen_id 3, sig_id 3, track by_src, ip [10.9.0.0/16, 192.168.1.1]
            suppress gen_id 1, sig_id 2
            """,
            file: "threshold.config"
        )
        #expect(directives.count == 4)
        let set = try Detection.RuleSet(rules: Self.rules, thresholdFile: directives)
        // sid 1: its own line replaces the global one.
        #expect(set.rule(0).threshold == Detection.Threshold(kind: .limit, track: .byRule, count: 1, seconds: 30))
        // sid 2 keeps the threshold it was written with: a global line applies only to rules without one.
        #expect(set.rule(1).threshold == Detection.Threshold(kind: .limit, track: .byDestination, count: 5, seconds: 9))
        // gid 3 is not generator 1: no threshold.
        #expect(set.rule(2).threshold == nil)
        #expect(!set.isRateLimited(2))
        // Suppressions: sid 2 entirely; sid 3 only from the listed sources.
        #expect(!set.isSuppressed(0, context: Self.context(from: 0x0A09_0001)))
        #expect(set.isSuppressed(1, context: Self.context(from: 0x0A00_0001)))
        #expect(set.isSuppressed(2, context: Self.context(from: 0x0A09_0001)))
        #expect(set.isSuppressed(2, context: Self.context(from: 0xC0A8_0101)))
        #expect(!set.isSuppressed(2, context: Self.context(from: 0x0A00_0001)))
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let line: String
        let error: String
        var testDescription: String { error }
    }

    static let errors = [
        ErrorCase(
            line: "threshold gen_id 1, sig_id 1, type limit, track by_src, count 0, seconds 60",
            error: "f:1:1: count '0' is not a number from 1 to 1000000000"
        ),
        ErrorCase(
            line: "  threshold gen_id 1, sig_id 1, type limit, track by_host, count 1, seconds 60",
            error: "f:1:3: track is by_src, by_dst, by_rule or by_both"
        ),
        ErrorCase(
            line: "threshold gen_id 1, sig_id 1, type limit, count 1, seconds 60",
            error: "f:1:1: track is by_src, by_dst, by_rule or by_both"
        ),
        ErrorCase(
            line: "threshold gen_id 1, sig_id 1, sig_id 2, type limit, track by_src, count 1, seconds 60",
            error: "f:1:1: 'sig_id' is given twice"
        ),
        ErrorCase(
            line: "suppress gen_id 1, sig_id 1, ip 10.0.0.1",
            error: "f:1:1: a suppress with ip needs a track (by_src, by_dst or by_either)"
        ),
        ErrorCase(
            line: "suppress gen_id 1, sig_id 1, track by_src",
            error: "f:1:1: a suppress with a track needs ip"
        ),
        ErrorCase(
            line: "suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.300",
            error:
                "f:1:1: '10.0.0.300' is not an address, a network (address/prefix), a $VARIABLE, a list or any"
        ),
        ErrorCase(
            line: "rate_filter gen_id 1, sig_id 1, track by_src, count 1, seconds 1, new_action drop, timeout 10",
            error: "f:1:1: rate_filter changes actions on an inline sensor; this sensor is passive"
        ),
        ErrorCase(
            line: "limit gen_id 1",
            error: "f:1:1: 'limit' is not threshold, event_filter, suppress or rate_filter"
        ),
        ErrorCase(line: "suppress gen_id 1, sig_id", error: "f:1:1: 'sig_id' is not 'name value'"),
        ErrorCase(
            line: "suppress gen_id 1, sig_id 1, count 3",
            error: "f:1:1: 'suppress' takes gen_id, sig_id, track, ip, not 'count'"
        ),
    ]

    @Test(arguments: errors) func errorsNameTheirPlace(_ fixture: ErrorCase) {
        #expect(throws: Detection.RuleError.self) { _ = try Detection.parseThresholdFile(fixture.line, file: "f") }
        do {
            _ = try Detection.parseThresholdFile(fixture.line, file: "f")
        } catch {
            #expect(error.description == fixture.error)
        }
    }

    @Test func classificationFileAndUnknownClasstypes() throws {
        let table = try Detection.parseClassifications(
            "# ours\nconfig classification: ot-control,Control command to a field device,1\r\n",
            file: "c"
        )
        #expect(
            table == [
                "ot-control": Detection.Classification(description: "Control command to a field device", priority: 1)
            ]
        )
        #expect(throws: Detection.RuleError.self) {
            _ = try Detection.parseClassifications("config classification: x,y", file: "c")
        }
        do {
            _ = try Detection.parseClassifications("\n config classification: x,y,high", file: "c")
        } catch {
            #expect(error.description == "c:2:2: priority 'high' is not a number from 1 to 255")
        }
        // A classtype no table defines is an error at the rule, as in Suricata.
        let rule = Detection.parseRules(
            #"alert dnp3 any any -> any any (msg:"x"; classtype:ot-control; sid:9;)"#,
            file: "r"
        )
        #expect(throws: Detection.RuleError.self) { _ = try Detection.RuleSet(rules: rule.rules) }
        do {
            _ = try Detection.RuleSet(rules: rule.rules)
        } catch {
            #expect(error.description == "r:1:1: unknown classtype 'ot-control' (see classification-file)")
        }
        var classifications = Detection.Classification.standard
        classifications.merge(table) { _, new in new }
        let set = try Detection.RuleSet(rules: rule.rules, classifications: classifications)
        #expect(set.alertRule(0).category == "Control command to a field device")
        #expect(set.alertRule(0).severity == 1)
    }
}
