#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: set up, build a release otsensor, and replay the captures the project ships, all
# recorded on loopback between real peers (pymodbus client and server; DNP3 masters and outstations from dnp3py and
# py1815): first normal plant traffic (one line per transaction or message, no alert), then an attacker's Modbus
# session and a rogue DNP3 master against the same kind of devices, with each site's roles in its otsensor.yaml, so
# the shipped rules raise their alerts (`!!` lines). Each replay ends with its summary on standard error. Last,
# a baseline model is learned from an hour of normal traffic and two attacks are judged against it.
# Options (`--format eve`, ...) go to every replay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh
swift build -c release --product otsensor >&2
CAPTURES=Tests/SensorTestSupport/Captures
echo "== normal plant traffic: Modbus/TCP and DNP3" >&2
.build/release/otsensor replay --format text "$@" $CAPTURES/modbus/plant-session.pcap $CAPTURES/dnp3/plant-dnp3.pcap
echo "== an attacker at 127.0.0.2 on the Modbus PLC (roles: $CAPTURES/modbus/attack-site.yaml)" >&2
.build/release/otsensor replay --format text --config $CAPTURES/modbus/attack-site.yaml "$@" \
    $CAPTURES/modbus/attack-session.pcap
echo "== a rogue DNP3 master at 127.0.0.2 on the outstation (roles: $CAPTURES/dnp3/attack-site.yaml)" >&2
.build/release/otsensor replay --format text --config $CAPTURES/dnp3/attack-site.yaml "$@" \
    $CAPTURES/dnp3/attack-dnp3.pcap
echo "== baseline: learn an hour of normal Modbus and DNP3 traffic, then judge two attacks against the model" >&2
MODEL=$(mktemp -d)/baseline.json
.build/release/otsensor learn --no-progress $CAPTURES/baseline/modbus-normal.pcap $CAPTURES/baseline/dnp3-normal.pcap \
    --out "$MODEL"
for ATTACK in modbus-value-out-of-range dnp3-stopped-integrity-poll; do
    echo "== $ATTACK against the model (only the alert lines)" >&2
    .build/release/otsensor replay --format text --no-default-rules --no-progress --baseline "$MODEL" \
        $CAPTURES/baseline/$ATTACK.pcap | grep -F '!!'
done
echo "== the live sensor's view of the normal Modbus hour: the last window's pair summaries and the inventory" >&2
.build/release/otsensor replay --format text --summaries --no-default-rules --no-progress \
    $CAPTURES/baseline/modbus-normal.pcap | grep -E ' = | @ [0-9.]+ inventory ' | tail -5
