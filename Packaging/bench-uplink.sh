#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The uplink's budget and costs (issue 7), release build:
#   1. bytes sent upstream per hour, and their share of the captured bytes, for a steady 64-pair polling site (the
#      generator's default pairs, polled once a second) and for one with alerts (1 % suspicious requests, the shipped
#      rules), with each payload compression (zstd, deflate, none): `otsensor replay --center` into a center on
#      loopback, the bytes counted by the agent (HTTP bodies; headers and TLS add about 300 bytes a batch);
#   2. batches per second one center ingests, with SQLite and (when OTSENSOR_TEST_POSTGRES_URL names a server) with
#      PostgreSQL: the agent sends a spool of 2,000 one-second batches;
#   3. the agent's extra CPU and memory for the uplink: replay of the 1,000,000-packet workload with and without
#      --center (abbench.py, paired runs).
# Usage: Packaging/bench-uplink.sh [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
BENCH=${OTSENSOR_BENCH:-../shared/bench}
D=${1:-$(mktemp -d)}
mkdir -p "$D"
swift build -c release --product otsensor >/dev/null
swift build -c release --product otsensor-center >/dev/null
AGENT=$PWD/.build/release/otsensor
CENTER=$PWD/.build/release/otsensor-center

gen() { [[ -f $D/$1.pcap ]] || python3 "$BENCH/gen_ot_pcap.py" "${@:2}" --out "$D/$1.pcap" 2>"$D/$1.txt"; }
gen steady --protocol modbus --packets 921600 --interval-ms 1000 --seed 1
gen alerts --protocol modbus --packets 921600 --interval-ms 1000 --anomaly-rate 0.01 --seed 2
gen dnp3 --protocol dnp3 --packets 921600 --interval-ms 1000 --seed 1
[[ -f $D/modbus-1000000.pcap ]] || python3 "$BENCH/gen_ot_pcap.py" --protocol modbus --packets 1000000 --seed 1 \
    --out "$D/modbus-1000000.pcap" 2>/dev/null

start_center() { # $1: store arguments
    rm -f "$D/center.log"
    # shellcheck disable=SC2086
    "$CENTER" serve $1 --listen 127.0.0.1:0 --api-listen 127.0.0.1:0 2>"$D/center.log" &
    CENTER_PID=$!
    for _ in $(seq 200); do
        PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) (ingest.*/\1/p' "$D/center.log")
        [[ -n $PORT ]] && return 0
        sleep 0.1
    done
    echo "the center did not start: $(cat "$D/center.log")" >&2
    exit 1
}

echo "== bytes upstream (zstd level 19, deflate level 6, none)"
rm -rf "$D/center-budget"
start_center "--data-dir $D/center-budget"
for site in steady alerts dnp3; do
    # Capture duration and frame bytes from the generator's own line.
    read -r frames seconds < <(sed -n 's/.* packets, \([0-9]*\) frame bytes .*, \([0-9.]*\) s of traffic.*/\1 \2/p' "$D/$site.txt")
    for compression in zstd deflate none; do
        id="bench-$site-$compression-$$"
        rm -f "$D/$id.key" "$D/$id.key.pub"
        key=$("$AGENT" keygen --key "$D/$id.key")
        "$CENTER" sensor add --data-dir "$D/center-budget" --id "$id" --public-key "$key" >/dev/null
        line=$("$AGENT" replay --format summary --no-progress --center "http://127.0.0.1:$PORT" --sensor-id "$id" \
            --key "$D/$id.key" --spool "$D/spool-$id" --compression "$compression" "$D/$site.pcap" 2>&1 | grep '^center:')
        sent=$(sed -n 's/^center: \([0-9]*\) batches sent (\([0-9]*\) bytes).*/\2/p' <<<"$line")
        batches=$(sed -n 's/^center: \([0-9]*\) batches sent.*/\1/p' <<<"$line")
        python3 -c "
import sys
site, comp, sent, batches, frames, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
per_hour = sent * 3600 / seconds
print(f'{site:7} {comp:8} {batches:4} batches, {sent:9,} bytes: {per_hour/1e3:8.1f} kB/h upstream, captured {frames*3600/seconds/1e6:7.1f} MB/h, share {100*sent/frames:.3f} %')
" "$site" "$compression" "$sent" "$batches" "$frames" "$seconds"
    done
done
kill "$CENTER_PID"; wait "$CENTER_PID" 2>/dev/null || true

ingest() { # $1: label, $2: store arguments
    start_center "$2"
    # Four sensors, each with a spool of one-second windows of 64 pairs made while no center listened, then sent
    # at once, each over its own connection.
    ids=()
    for n in 1 2 3 4; do
        id="ingest-$$-$RANDOM"
        ids+=("$id")
        key=$("$AGENT" keygen --key "$D/$id.key")
        # shellcheck disable=SC2086
        "$CENTER" sensor add $2 --id "$id" --public-key "$key" >/dev/null
        "$AGENT" replay --format summary --no-progress --summary-window 1 --upload-timeout 1 \
            --center http://127.0.0.1:1 --sensor-id "$id" --key "$D/$id.key" --spool "$D/spool-$id" \
            "$D/modbus-1000000.pcap" >/dev/null 2>&1 || true
    done
    n=$(for id in "${ids[@]}"; do ls "$D/spool-$id"; done | grep -c '\.batch$')
    start=$(date +%s.%N)
    pids=()
    for id in "${ids[@]}"; do
        "$AGENT" replay --no-progress --upload-timeout 600 --center "http://127.0.0.1:$PORT" --sensor-id "$id" \
            --key "$D/$id.key" --spool "$D/spool-$id" >/dev/null 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    end=$(date +%s.%N)
    python3 -c "import sys; n=int(sys.argv[2]); t=float(sys.argv[4])-float(sys.argv[3]); print(f'{sys.argv[1]:10} {n} batches from 4 sensors in {t:.1f} s: {n/t:.0f} batches/s')" "$1" "$n" "$start" "$end"
    kill "$CENTER_PID"; wait "$CENTER_PID" 2>/dev/null || true
}
echo "== center ingest"
rm -rf "$D/center-sqlite"
ingest SQLite "--data-dir $D/center-sqlite"
if [[ -n ${OTSENSOR_TEST_POSTGRES_URL:-} ]]; then
    ingest PostgreSQL "--database $OTSENSOR_TEST_POSTGRES_URL"
else
    echo "PostgreSQL   skipped: set OTSENSOR_TEST_POSTGRES_URL (Packaging/test-postgres.sh start DIR)"
fi

echo "== the agent's cost for the uplink (1,000,000 Modbus packets)"
rm -rf "$D/center-cost"
start_center "--data-dir $D/center-cost"
id="cost-$$"
key=$("$AGENT" keygen --key "$D/$id.key")
"$CENTER" sensor add --data-dir "$D/center-cost" --id "$id" --public-key "$key" >/dev/null
python3 "$BENCH/abbench.py" -n "${BENCH_RUNS:-5}" \
    "$AGENT replay --format summary --no-progress --summaries $D/modbus-1000000.pcap" \
    "$AGENT replay --format summary --no-progress --center http://127.0.0.1:$PORT --sensor-id $id --key $D/$id.key --spool $D/spool-$id $D/modbus-1000000.pcap"
kill "$CENTER_PID"; wait "$CENTER_PID" 2>/dev/null || true
