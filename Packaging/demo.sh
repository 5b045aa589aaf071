#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command: set up, build a release otsensor, and replay the captures the project ships, all
# recorded on loopback between real peers (pymodbus client and server; DNP3 masters and outstations from dnp3py and
# py1815): first normal plant traffic (one line per transaction or message, no alert), then an attacker's Modbus
# session and a rogue DNP3 master against the same kind of devices, with each site's roles in its otsensor.yaml, so
# the shipped rules raise their alerts (`!!` lines). Each replay ends with its summary on standard error. Last,
# a baseline model is learned from an hour of normal traffic and two attacks are judged against it, and the two
# attack captures' findings are sent to a center started on loopback, which is then asked for its alerts and sensors.
# Options (`--format eve`, ...) go to every replay.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh
# Linked as the Debian packages are (Packaging/build-deb.sh), so the two share one release build.
swift build -c release --static-swift-stdlib --product otsensor >&2
swift build -c release --static-swift-stdlib --product otsensor-center >&2
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
echo "== the center: a sensor key, enrolled; the attacks' findings sent as signed batches; the center's view" >&2
WORK=$(mktemp -d)
trap 'kill "$CENTER_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
KEY=$(.build/release/otsensor keygen --key "$WORK/sensor.key")
.build/release/otsensor-center sensor add --data-dir "$WORK/center" --id demo-laptop --public-key "$KEY" >&2
.build/release/otsensor-center serve --data-dir "$WORK/center" --listen 127.0.0.1:0 --api-listen 127.0.0.1:0 \
    2>"$WORK/center.log" &
CENTER_PID=$!
PORT=""
for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) (ingest.*/\1/p' "$WORK/center.log")
    [[ -n $PORT ]] && break
    sleep 0.1
done
[[ -n $PORT ]] || { cat "$WORK/center.log" >&2; exit 1; }
for SITE in modbus/attack-session dnp3/attack-dnp3; do
    .build/release/otsensor replay --format summary --no-progress --config "$CAPTURES/${SITE%%/*}/attack-site.yaml" \
        --center "http://127.0.0.1:$PORT" --sensor-id demo-laptop --key "$WORK/sensor.key" --spool "$WORK/spool" \
        "$CAPTURES/$SITE.pcap" 2>&1 | grep '^center:' >&2
done
.build/release/otsensor-center alerts --data-dir "$WORK/center" --severity 1 --format table
.build/release/otsensor-center sensors --data-dir "$WORK/center" --format table
