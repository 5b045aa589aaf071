#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The replay benchmark (issues 2 and 3, "speed and memory"), as a release-mode harness with public tools, for each
# protocol in BENCH_PROTOCOLS (default "modbus dnp3"):
#   - generates the 1,000,000-packet workload (../shared/bench/gen_ot_pcap.py --protocol P --seed 1), plus its
#     100,000- and 10-packet runs;
#   - times `otsensor replay --format summary` against the bare libpcap read loop (../shared/bench/pcap_floor),
#     paired A/B runs by ../shared/bench/abbench.py: the median ratio, packets/s and peak RSS; with no rules,
#     with the shipped set (Signatures/, the default) and with 1,000 generated rules
#     (Tests/Generators/bench_rules.py), each against the floor, then 1,000 rules against none directly;
#   - counts heap allocations and retain/release calls per packet in steady state with callgrind
#     (100k-packet run minus 10-packet run, / 99,990) through ../shared/bench/cg_calls.py;
#   - learns a baseline model from the workload (time, peak RSS, model size) and times the replay judged against it
#     against the replay without it;
#   - times replay with --summaries against without, and counts its instructions with callgrind;
#   - as root with tcpreplay, runs Packaging/bench-live.sh (packets per second on a veth pair, memory with 10,000
#     flows; BENCH_LIVE=0 skips it);
#   - optionally (BENCH_TSHARK=1) times tshark's field extraction on the same file for the ratio to tshark.
# Usage: Packaging/bench.sh [SCRATCH_DIR]   (generated captures are 130 MB: keep them out of the repository)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
BENCH=${OTSENSOR_BENCH:-../shared/bench}
D=${1:-$(mktemp -d)}
RUNS=${BENCH_RUNS:-7}
mkdir -p "$D"

[[ -x $D/pcap_floor ]] || cc -O2 -o "$D/pcap_floor" "$BENCH/pcap_floor.c" -lpcap
swift build -c release --product otsensor >/dev/null
AGENT=$PWD/.build/release/otsensor
for P in ${BENCH_PROTOCOLS:-modbus dnp3}; do
    for n in 1000000 100000 10; do
        [[ -f $D/$P-$n.pcap ]] || python3 "$BENCH/gen_ot_pcap.py" --protocol $P --packets $n --seed 1 --out "$D/$P-$n.pcap" 2>/dev/null
    done
    BYTES=$(python3 -c "import sys; f=open(sys.argv[1],'rb'); f.seek(24); n=0
while True:
    h=f.read(16)
    if len(h)<16: break
    c=int.from_bytes(h[8:12],'little'); n+=c; f.seek(c,1)
print(n)" "$D/$P-1000000.pcap")

    python3 Tests/Generators/bench_rules.py 1000 > "$D/bench1000.rules"
    for RULES in "--no-default-rules" "" "--no-default-rules --rules $D/bench1000.rules"; do
        echo "== $P: otsensor replay --format summary ${RULES:-(the shipped set)} vs the libpcap floor (1M packets, $RUNS pairs)"
        python3 "$BENCH/abbench.py" -n "$RUNS" --packets 1000000 --bytes "$BYTES" \
            "$AGENT replay --format summary --no-progress $RULES $D/$P-1000000.pcap" "$D/pcap_floor $D/$P-1000000.pcap"
    done
    echo "== $P: 1,000 generated rules vs no rules"
    python3 "$BENCH/abbench.py" -n "$RUNS" --packets 1000000 --bytes "$BYTES" \
        "$AGENT replay --format summary --no-progress --no-default-rules --rules $D/bench1000.rules $D/$P-1000000.pcap" \
        "$AGENT replay --format summary --no-progress --no-default-rules $D/$P-1000000.pcap"

    echo "== $P: baseline: learn time, peak RSS and model size; replay with the model (judged against itself) vs without"
    /usr/bin/time -f "learn: %e s wall, %M KB peak RSS" "$AGENT" learn --no-progress "$D/$P-1000000.pcap" \
        --out "$D/$P-model.json"
    echo "model: $(stat -c %s "$D/$P-model.json") bytes"
    python3 "$BENCH/abbench.py" -n "$RUNS" --packets 1000000 --bytes "$BYTES" \
        "$AGENT replay --format summary --no-progress --no-default-rules --baseline $D/$P-model.json $D/$P-1000000.pcap" \
        "$AGENT replay --format summary --no-progress --no-default-rules $D/$P-1000000.pcap"

    echo "== $P: otsensor replay --format eve (to /dev/null) vs the floor"
    python3 "$BENCH/abbench.py" -n 3 --packets 1000000 --bytes "$BYTES" \
        "$AGENT replay --format eve --no-progress $D/$P-1000000.pcap" "$D/pcap_floor $D/$P-1000000.pcap"

    echo "== $P: allocations and ARC traffic per packet, shipped set (callgrind, 100k minus 10 packets)"
    # Valgrind 3.19 cannot read the DWARF Swift 6.3 writes: a copy without it keeps the symbols callgrind needs.
    cp "$AGENT" "$D/otsensor-nodebug" && strip --strip-debug "$D/otsensor-nodebug"
    OTSENSOR_SIGNATURES=$PWD/Signatures valgrind --tool=callgrind --callgrind-out-file="$D/big-$P.cg" \
        "$D/otsensor-nodebug" replay --format summary --no-progress "$D/$P-100000.pcap" 2>/dev/null
    OTSENSOR_SIGNATURES=$PWD/Signatures valgrind --tool=callgrind --callgrind-out-file="$D/small-$P.cg" \
        "$D/otsensor-nodebug" replay --format summary --no-progress "$D/$P-10.pcap" 2>/dev/null
    python3 "$BENCH/cg_calls.py" "$D/big-$P.cg" "$D/small-$P.cg" --per 99990
done

P=${BENCH_TSHARK_PROTOCOL:-modbus}
FIELD=modbus.func_code
[[ $P == dnp3 ]] && FIELD=dnp3.al.func
if [[ ${BENCH_TSHARK:-0} == 1 ]] && command -v tshark >/dev/null; then
    echo "== tshark field extraction vs otsensor (1M packets, 1 pair)"
    python3 "$BENCH/abbench.py" -n 1 --packets 1000000 --bytes "$BYTES" \
        "tshark -r $D/$P-1000000.pcap -Y $P -T fields -e $FIELD" \
        "$AGENT replay --format summary --no-progress $D/$P-1000000.pcap"
fi

echo "== summaries (the live sensor's windows and inventory): replay with --summaries vs without"
for P in ${BENCH_PROTOCOLS:-modbus dnp3}; do
    BYTES=$(stat -c %s "$D/$P-1000000.pcap")
    python3 "$BENCH/abbench.py" -n "$RUNS" --packets 1000000 --bytes "$BYTES" \
        "$AGENT replay --format summary --no-progress --summaries $D/$P-1000000.pcap" \
        "$AGENT replay --format summary --no-progress $D/$P-1000000.pcap"
    OTSENSOR_SIGNATURES=$PWD/Signatures valgrind --tool=callgrind --callgrind-out-file="$D/big-summaries-$P.cg" \
        "$D/otsensor-nodebug" replay --format summary --summaries --no-progress "$D/$P-100000.pcap" 2>/dev/null
    OTSENSOR_SIGNATURES=$PWD/Signatures valgrind --tool=callgrind --callgrind-out-file="$D/small-summaries-$P.cg" \
        "$D/otsensor-nodebug" replay --format summary --summaries --no-progress "$D/$P-10.pcap" 2>/dev/null
    python3 "$BENCH/cg_calls.py" "$D/big-summaries-$P.cg" "$D/small-summaries-$P.cg" --per 99990
done

if [[ $(id -u) == 0 ]] && command -v tcpreplay >/dev/null && [[ ${BENCH_LIVE:-1} == 1 ]]; then
    Packaging/bench-live.sh "$D"
else
    echo "== live capture benchmark skipped: it needs root and tcpreplay (or BENCH_LIVE=0 was given)"
fi
