#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The live sensor's benchmark (issue 6, "speed and memory"); needs root, iproute2 and tcpreplay. In a network
# namespace with a veth pair it made itself:
#   1. packets per second: tcpreplay sends the 1,000,000-packet Modbus and DNP3 workloads on the outer end as fast
#      as it can (or at BENCH_PPS packets a second); `otsensor run` (release, EVE to a file, the shipped rules)
#      captures on the inner end, once writing every record and once without the per-transaction records
#      (`--eve-types alert,anomaly,flow,summary,stats,asset`); the sensor's final `stats` give packets decoded
#      and kernel drops. Then the
#      libpcap floor (`pcap_floor -i IF -c N`) on the same interface in the same run: it prints its line only
#      when it captured all N packets;
#   2. memory: 10,000 concurrent Modbus connections (gen_ot_pcap.py --flows 10000), sent at 100,000 packets a
#      second: resident memory idle, at the peak, and after the flows time out (flow-timeout 10 s).
# Usage: Packaging/bench-live.sh [SCRATCH_DIR]   (Packaging/bench.sh runs it at its end when run as root)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
BENCH=${OTSENSOR_BENCH:-../shared/bench}
D=${1:-$(mktemp -d)}
mkdir -p "$D"
[[ $(id -u) == 0 ]] || { echo "bench-live: needs root (a network namespace and a veth pair)" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "bench-live: needs tcpreplay (apt-get install tcpreplay)" >&2; exit 1; }
[[ -x $D/pcap_floor ]] || cc -O2 -o "$D/pcap_floor" "$BENCH/pcap_floor.c" -lpcap
swift build -c release --product otsensor >/dev/null
AGENT=$PWD/.build/release/otsensor
NS=otbench$$
A=otbA$$
B=otbB$$
OUT=$D/live
mkdir -p "$OUT" && chmod 777 "$OUT"

cleanup() {
    pkill -f "otsensor run -i $B" 2>/dev/null || true
    pkill -f "pcap_floor -i $B" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    ip link del "$A" 2>/dev/null || true
}
trap cleanup EXIT

pair() {
    cleanup
    ip netns add "$NS"
    ip link add "$A" type veth peer name "$B"
    ip link set "$B" netns "$NS"
    sysctl -qw "net.ipv6.conf.$A.disable_ipv6=1"
    ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$B.disable_ipv6=1"
    ip link set "$A" up
    ip netns exec "$NS" ip link set "$B" up
}

# Starts the sensor in the namespace; its PID in SENSOR.
start_sensor() {
    rm -f "$OUT"/eve.json* "$OUT/log.txt"
    ip netns exec "$NS" "$AGENT" run -i "$B" --eve-log "$OUT/eve.json" --user nobody --metrics off "$@" \
        2>"$OUT/log.txt" &
    for _ in $(seq 200); do grep -q "capturing on" "$OUT/log.txt" 2>/dev/null && break; sleep 0.1; done
    SENSOR=$(pgrep -f "otsensor run -i $B" | tail -1)
}

last_stats() {
    grep '"event_type":"stats"' "$OUT/eve.json" | tail -1 | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())["stats"]
print("decoded %d packets, kernel drops %d, CPU %.2f s, peak of this window %.1f MB RSS" % (
    s["decoder"]["pkts"], s["capture"]["kernel_drops"], s["sensor"]["cpu_seconds"], s["sensor"]["memory_rss"] / 1e6))'
}

RATE=${BENCH_PPS:+--pps=$BENCH_PPS}
RATE=${RATE:---topspeed}
for P in ${BENCH_PROTOCOLS:-modbus dnp3}; do
    [[ -f $D/$P-1000000.pcap ]] ||
        python3 "$BENCH/gen_ot_pcap.py" --protocol "$P" --packets 1000000 --seed 1 --out "$D/$P-1000000.pcap" 2>/dev/null
    pair
    for TYPES in alert,anomaly,modbus,dnp3,flow,summary,stats,asset alert,anomaly,flow,summary,stats,asset; do
        echo "== $P: otsensor run on a veth pair, 1,000,000 packets sent by tcpreplay $RATE, EVE types $TYPES"
        start_sensor --eve-types "$TYPES"
        tcpreplay -i "$A" $RATE "$D/$P-1000000.pcap" 2>&1 | grep -E "Rated:" | sed 's/^ */sent: /'
        sleep 1
        kill -TERM "$SENSOR"
        while kill -0 "$SENSOR" 2>/dev/null; do sleep 0.1; done
        last_stats
    done
    echo "== $P: pcap_floor -i on the same interface, same workload"
    ip netns exec "$NS" timeout 120 "$D/pcap_floor" -i "$B" -c 1000000 >"$OUT/floor.txt" 2>&1 &
    sleep 1
    tcpreplay -i "$A" $RATE "$D/$P-1000000.pcap" 2>&1 | grep -E "Rated:" | sed 's/^ */sent: /'
    sleep 2
    pkill -f "pcap_floor -i $B" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ -s $OUT/floor.txt ]]; then cat "$OUT/floor.txt"; else echo "pcap_floor did not capture all 1,000,000 packets (drops)"; fi
done

echo "== memory: 10,000 concurrent Modbus connections at 100,000 packets/s, flows time out after 10 s"
[[ -f $D/flows10k.pcap ]] ||
    python3 "$BENCH/gen_ot_pcap.py" --protocol modbus --flows 10000 --packets 400000 --seed 1 --out "$D/flows10k.pcap" 2>/dev/null
pair
printf 'limits:\n  flow-timeout: 10\n' >"$OUT/memory.yaml"
start_sensor --config "$OUT/memory.yaml" --summary-window 10
sleep 2
echo "idle: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$SENSOR/status")"
tcpreplay -q -i "$A" --pps=100000 "$D/flows10k.pcap" >/dev/null 2>&1
sleep 2
echo "after the traffic: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$SENSOR/status") ($(grep -o '"active":[0-9]*' "$OUT/eve.json" | tail -1 | cut -d: -f2) flows open at the last window)"
sleep 40
echo "after the flows timed out: $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$SENSOR/status"), peak $(awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$SENSOR/status")"
kill -TERM "$SENSOR"
while kill -0 "$SENSOR" 2>/dev/null; do sleep 0.1; done
last_stats
