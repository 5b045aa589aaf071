#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: set up, build a release otsensor, and replay the captures the project ships (a real
# pymodbus client and server, and a real DNP3 master and outstation (dnp3py), recorded on loopback), printing one
# line per transaction or message and the closing summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh
swift build -c release --product otsensor >&2
exec .build/release/otsensor replay --format text "$@" Tests/SensorTestSupport/Captures/modbus/plant-session.pcap \
    Tests/SensorTestSupport/Captures/dnp3/plant-dnp3.pcap
