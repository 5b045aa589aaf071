// SPDX-License-Identifier: Apache-2.0
import Detection
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

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let yaml: String
        let error: String
        var testDescription: String { error }
    }

    static let errors = [
        ErrorCase(yaml: "rules: x", error: "c.yaml:1: unknown setting 'rules' (vars, default-rule-path, rule-files)"),
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
