// SPDX-License-Identifier: Apache-2.0
import SensorConfiguration
import Testing

/// The live sensor's keys in `otsensor.yaml`: defaults, every key read, and each mistake at its line.
@Suite struct RunSettingsTests {
    @Test func defaultsWithoutTheKeys() throws {
        let run = try SensorConfiguration.parse("", file: "/etc/otsensor/otsensor.yaml").run
        #expect(run == RunSettings())
        #expect(run.interfaces.isEmpty)
        #expect(run.metricsListen == "127.0.0.1:9108")
        #expect(run.summaryWindowSeconds == 60)
        #expect(run.eveMaxFileSize == 100 << 20)
        #expect(run.eveMaxFiles == 10)
    }

    @Test func theUplinkSectionIsRead() throws {
        let uplink = try #require(
            try SensorConfiguration.parse(
                """
                uplink:
                  center: https://center.example:8443
                  sensor-id: plant-7
                  key: /etc/otsensor/k
                  ca: /etc/otsensor/ca.pem
                  client-certificate: /etc/otsensor/c.pem
                  client-key: /etc/otsensor/c.key
                  spool: /srv/spool
                  spool-quota: 1048576
                  compression: deflate
                  retry-max: 60
                  queue-size: 5000
                """,
                file: "u.yaml"
            ).run.uplink
        )
        #expect(uplink.center == "https://center.example:8443")
        #expect(uplink.sensorID == "plant-7")
        #expect(uplink.key == "/etc/otsensor/k")
        #expect(uplink.ca == "/etc/otsensor/ca.pem")
        #expect(uplink.clientCertificate == "/etc/otsensor/c.pem")
        #expect(uplink.clientKey == "/etc/otsensor/c.key")
        #expect(uplink.spool == "/srv/spool")
        #expect(uplink.spoolQuota == 1 << 20)
        #expect(uplink.compression == "deflate")
        #expect(uplink.retryMaxSeconds == 60)
        #expect(uplink.queueSize == 5000)
        #expect(try SensorConfiguration.parse("", file: "u.yaml").run.uplink == nil)
        for (text, message) in [
            (
                "uplink:\n  sensor-id: plant 7\n",
                "u.yaml:2: uplink sensor-id is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'"
            ),
            ("uplink:\n  compression: lz4\n", "u.yaml:2: uplink compression is zstd, deflate or none"),
            ("uplink:\n  spool-quota: 100\n", "u.yaml:2: uplink spool-quota is a whole number, 65536 to 1099511627776"),
            (
                "uplink:\n  centre: x\n",
                "u.yaml:2: unknown uplink setting 'centre' (center, sensor-id, key, ca, client-certificate, client-key, spool, spool-quota, compression, retry-max, queue-size)"
            ),
        ] {
            #expect(throws: ConfigurationError.self) { try SensorConfiguration.parse(text, file: "u.yaml") }
            do {
                _ = try SensorConfiguration.parse(text, file: "u.yaml")
            } catch {
                #expect(error.description == message)
            }
        }
    }

    @Test func everyKeyIsRead() throws {
        let run = try SensorConfiguration.parse(
            """
            pcap:
              - interface: eth1
                bpf-filter: "tcp port 502"
                snaplen: 1600
                promisc: no
                buffer-size: 1048576
                immediate: yes
              - interface: eth2
            eve-log:
              filename: /var/log/otsensor/eve.json
              max-file-size: 65536
              max-files: 3
              types: [alert, summary, stats]
            summaries:
              window: 300
              max-pairs: 500
              max-assets: 2000
            metrics:
              listen: off
            logging:
              format: json
              level: debug
            run-as: otsensor
            baseline-file: /var/lib/otsensor/baseline.json
            limits:
              max-flows: 20000
              flow-timeout: 120
              max-pending-requests: 5000
              stream-buffer: 131072
            """,
            file: "/etc/otsensor/otsensor.yaml"
        ).run
        #expect(run.interfaces.map(\.name) == ["eth1", "eth2"])
        #expect(run.interfaces[0].filter == "tcp port 502")
        #expect(run.interfaces[0].snapshotLength == 1600)
        #expect(run.interfaces[0].promiscuous == false)
        #expect(run.interfaces[0].bufferSize == 1_048_576)
        #expect(run.interfaces[0].immediate == true)
        #expect(run.interfaces[1] == RunSettings.Interface(name: "eth2"))
        #expect(run.eveLog == "/var/log/otsensor/eve.json")
        #expect(run.eveMaxFileSize == 65536)
        #expect(run.eveMaxFiles == 3)
        #expect(run.eveTypes == ["alert", "summary", "stats"])
        #expect(run.summaryWindowSeconds == 300)
        #expect(run.metricsListen == nil)
        #expect(run.logFormat == "json")
        #expect(run.logLevel == "debug")
        #expect(run.runAs == "otsensor")
        #expect(run.baselineFile == "/var/lib/otsensor/baseline.json")
        #expect(run.maxFlows == 20000)
        #expect(run.flowTimeoutSeconds == 120)
        #expect(run.maxPendingRequests == 5000)
        #expect(run.streamBufferBytes == 131_072)
        #expect(run.maxSummaryPairs == 500)
        #expect(run.maxAssets == 2000)
    }

    @Test(arguments: [
        ("pcap: eth1", "f.yaml:1: pcap is a list of interfaces (- interface: eth1)"),
        ("pcap:\n  - bpf-filter: tcp", "f.yaml:2: a pcap entry needs its interface"),
        ("pcap:\n  - interface: eth1\n    snaplen: 10", "f.yaml:3: snaplen is a whole number, 64 to 262144"),
        ("pcap:\n  - interface: eth1\n    promisc: maybe", "f.yaml:3: promisc is yes or no"),
        (
            "pcap:\n  - interface: eth1\n    speed: 10",
            "f.yaml:3: unknown pcap setting 'speed' (interface, bpf-filter, snaplen, promisc, buffer-size, immediate)"
        ),
        ("eve-log:\n  max-files: -1", "f.yaml:2: max-files is a whole number, 0 to 1000"),
        ("eve-log:\n  max-file-size: 0x100", "f.yaml:2: max-file-size is a whole number, 4096 to 1099511627776"),
        (
            "eve-log:\n  types: [alert, http]",
            "f.yaml:2: unknown record type 'http' (alert, anomaly, modbus, dnp3, flow, summary, stats, asset)"
        ),
        ("summaries:\n  window: 0", "f.yaml:2: summaries window is a whole number, 1 to 86400"),
        ("logging:\n  format: xml", "f.yaml:2: logging format is text or json"),
        (
            "logging:\n  level: loud",
            "f.yaml:2: logging level is one of trace, debug, info, notice, warning, error, critical"
        ),
        ("run-as: [a, b]", "f.yaml:1: run-as is text"),
        ("limits:\n  flow-timeout: 5", "f.yaml:2: flow-timeout is a whole number, 10 to 86400"),
        (
            "limits:\n  max-memory: 5",
            "f.yaml:2: unknown limits setting 'max-memory' (max-flows, flow-timeout, max-pending-requests, stream-buffer)"
        ),
    ])
    func mistakesAreReportedAtTheirLine(_ text: String, _ message: String) {
        #expect(throws: ConfigurationError.self) { try SensorConfiguration.parse(text, file: "f.yaml") }
        do {
            _ = try SensorConfiguration.parse(text, file: "f.yaml")
        } catch {
            #expect(error.description == message)
        }
    }
}
