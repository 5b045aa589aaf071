// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import SensorConfiguration
import Testing

/// `otsensor.yaml`: defaults with no file, Suricata's `vars` layout, rule files, and every error at its line.
@Suite struct SensorConfigurationTests {
    @Test func noSettingsMeanTheDefaults() throws {
        let configuration = try SensorConfiguration.parse("", file: "/etc/otsensor/otsensor.yaml")
        #expect(configuration.variables.addresses["MODBUS_CLIENTS"] == .variable("HOME_NET"))
        #expect(configuration.variables.ports["DNP3_PORTS"] == .port(20000))
        #expect(configuration.ruleFiles.isEmpty)
        #expect(configuration.defaultRulePath == nil)
    }

    @Test func variablesAndRuleFiles() throws {
        let configuration = try SensorConfiguration.parse(
            """
            vars:
              address-groups:
                HOME_NET: "[10.0.0.0/8]"
                MODBUS_CLIENTS: "[10.1.0.5, 10.1.0.6]"
                DNP3_MASTERS: $HOME_NET
              port-groups:
                MODBUS_PORTS: "[502, 5020]"
            default-rule-path: /usr/share/otsensor/signatures
            rule-files:
              - local.rules
              - /srv/more.rules
            """,
            file: "/etc/otsensor/otsensor.yaml"
        )
        #expect(configuration.variables.addresses["DNP3_MASTERS"] == .variable("HOME_NET"))
        guard case .list(let clients) = configuration.variables.addresses["MODBUS_CLIENTS"] else {
            Issue.record("MODBUS_CLIENTS is not a list")
            return
        }
        #expect(clients.count == 2)
        #expect(configuration.variables.ports["MODBUS_PORTS"] == .list([.port(502), .port(5020)]))
        #expect(configuration.defaultRulePath == "/usr/share/otsensor/signatures")
        #expect(configuration.ruleFiles == ["/etc/otsensor/local.rules", "/srv/more.rules"])
        // The variables compile into rules.
        let rules = Detection.parseRules(
            "alert modbus !$MODBUS_CLIENTS any -> $HOME_NET $MODBUS_PORTS (modbus: access write; sid:1;)",
            file: "t"
        )
        #expect(throws: Never.self) {
            _ = try Detection.RuleSet(rules: rules.rules, variables: configuration.variables)
        }
    }

    /// `classification-file` and `threshold-file` in Suricata's formats, read relative to the configuration's
    /// folder; `detect: alerts-per-rule-per-flow`; an error inside either file points at its line and column.
    @Test func classificationThresholdFilesAndTheFlowLimit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        # site classtypes
        config classification: ot-control,Control command to a field device,1
        config classification: misc-activity,Routine OT activity,4
        """.write(to: folder.appendingPathComponent("classification.config"), atomically: true, encoding: .utf8)
        try """
        threshold gen_id 1, sig_id 7, type limit, track by_src, count 1, seconds 60
        suppress gen_id 1, sig_id 8, track by_src, ip 10.1.0.5
        """.write(to: folder.appendingPathComponent("threshold.config"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("otsensor.yaml").path
        let configuration = try SensorConfiguration.parse(
            """
            classification-file: classification.config
            threshold-file: threshold.config
            detect:
              alerts-per-rule-per-flow: 0
            """,
            file: file
        )
        #expect(configuration.alertsPerRulePerFlow == 0)
        #expect(configuration.classifications["ot-control"]?.priority == 1)
        #expect(configuration.classifications["misc-activity"]?.description == "Routine OT activity")
        #expect(configuration.classifications["attempted-admin"]?.priority == 1)  // the standard ones stay
        #expect(configuration.thresholdFile.count == 2)
        let rules = Detection.parseRules(
            #"alert dnp3 any any -> any any (msg:"x"; dnp3_func:operate; classtype:ot-control; sid:7;)"#,
            file: "t.rules"
        )
        let set = try Detection.RuleSet(
            rules: rules.rules,
            classifications: configuration.classifications,
            thresholdFile: configuration.thresholdFile
        )
        #expect(set.alertRule(0).category == "Control command to a field device")
        #expect(set.alertRule(0).severity == 1)
        #expect(set.isRateLimited(0))
        #expect(set.rule(0).threshold == Detection.Threshold(kind: .limit, track: .bySource, count: 1, seconds: 60))

        try "threshold gen_id 1, sig_id 7, type sometimes, track by_src, count 1, seconds 60\n".write(
            to: folder.appendingPathComponent("threshold.config"),
            atomically: true,
            encoding: .utf8
        )
        #expect(throws: ConfigurationError.self) {
            _ = try SensorConfiguration.parse("threshold-file: threshold.config", file: file)
        }
        do {
            _ = try SensorConfiguration.parse("threshold-file: threshold.config", file: file)
        } catch {
            #expect(error.description == "\(folder.path)/threshold.config:1:1: type is limit, threshold or both")
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let yaml: String
        let error: String
        var testDescription: String { error }
    }

    static let errors = [
        ErrorCase(
            yaml: "rules: x",
            error:
                "c.yaml:1: unknown setting 'rules' (vars, default-rule-path, rule-files, classification-file, threshold-file, detect, baseline, pcap, eve-log, summaries, metrics, logging, run-as, baseline-file, limits, uplink)"
        ),
        ErrorCase(
            yaml: "baseline:\n  scan-window: 0",
            error: "c.yaml:2: baseline scan-window must be 1 to 86400 seconds"
        ),
        ErrorCase(
            yaml: "baseline:\n  rate-factor: 0x10",
            error: "c.yaml:2: baseline rate-factor is a decimal number"
        ),
        ErrorCase(
            yaml: "baseline:\n  learn-read-values: maybe",
            error: "c.yaml:2: baseline learn-read-values is true or false"
        ),
        ErrorCase(
            yaml: "detect:\n  alerts-per-flow: 3",
            error: "c.yaml:2: unknown detect setting 'alerts-per-flow' (alerts-per-rule-per-flow)"
        ),
        ErrorCase(
            yaml: "detect:\n  alerts-per-rule-per-flow: -1",
            error: "c.yaml:2: alerts-per-rule-per-flow is a number from 0 (no limit) to 1000000"
        ),
        ErrorCase(
            yaml: "threshold-file: /nonexistent/threshold.config",
            error: "c.yaml:1: cannot read threshold-file '/nonexistent/threshold.config'"
        ),
        ErrorCase(
            yaml: "vars:\n  groups: {}",
            error: "c.yaml:2: unknown vars section 'groups' (address-groups, port-groups)"
        ),
        ErrorCase(
            yaml: "vars:\n  address-groups:\n    HOME_NET: \"[10.0.0.300]\"",
            error:
                "c.yaml:3: $HOME_NET: '10.0.0.300' is not an address, a network (address/prefix), a $VARIABLE, a list or any"
        ),
        ErrorCase(
            yaml: "vars:\n  port-groups:\n    P: \"99999\"",
            error: "c.yaml:3: $P: '99999' is not a port (0-65535), a range, a list or any"
        ),
        ErrorCase(yaml: "rule-files: local.rules", error: "c.yaml:1: rule-files is a list of paths"),
        ErrorCase(
            yaml: "vars:\n  address-groups:\n    A: \"[$B, 10.0.0.1]\"\n    B: \"!$A\"",
            error: "c.yaml:3: $A refers to itself ($A -> $B -> $A)"
        ),
        ErrorCase(
            yaml: "vars:\n  address-groups:\n    MODBUS_CLIENTS: \"[$HMIS]\"",
            error: "c.yaml:3: $MODBUS_CLIENTS refers to $HMIS, which is not defined"
        ),
        ErrorCase(
            yaml: "vars:\n  address-groups:\n    HOME_NET: [10.0.0.1]",
            error: "c.yaml:3: $HOME_NET is a string, with lists in quotes: \"[10.0.0.1, 10.0.0.2]\""
        ),
        ErrorCase(
            yaml: "vars:\n  address-groups:\n    A: 1\n    A: 2",
            error:
                "c.yaml: not YAML: Parser: expected all keys to be unique but found the following duplicated key(s): 'A'. Context: vars: address-groups: A: 1 A: 2 in line 3, column 5"
        ),
        ErrorCase(yaml: "- a\n- b", error: "c.yaml:1: the file must be a mapping of settings"),
    ]

    @Test(arguments: errors) func errorsNameTheirLine(_ fixture: ErrorCase) {
        #expect(throws: (any Error).self) { _ = try SensorConfiguration.parse(fixture.yaml, file: "c.yaml") }
        do {
            _ = try SensorConfiguration.parse(fixture.yaml, file: "c.yaml")
        } catch {
            #expect(error.description == fixture.error)
        }
    }
}
