#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: set up, build a release otsensor, and replay the capture the project ships
# (a real pymodbus client and server recorded on loopback), printing one line per transaction and the summary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh
swift build -c release --product otsensor >&2
exec .build/release/otsensor replay --format text "$@" Tests/SensorTestSupport/Captures/modbus/plant-session.pcap
