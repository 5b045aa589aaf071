#!/usr/bin/env bash
# Record plant-dnp3-udp.pcap: a real DNP3/UDP session between two separate
# processes on 127.0.0.1 (plant_udp_outstation.py, address 1, port 20000;
# plant_udp_master.py, address 2, port 20001), both yadnp3 3.2.1.4 (opendnp3
# 3.x; the only PyPI stack found that speaks DNP3 over UDP), captured on lo with
# tcpdump, and write its tshark listing plant-dnp3-udp.tshark.txt beside it.
#
# Usage:   sudo ./record-plant-dnp3-udp.sh [OUTPUT.pcap]
# Env:     VENV=DIR, PYTHON=EXE as in record-plant-dnp3.sh (yadnp3 ships cp311
#          x86_64 manylinux wheels only: use Python 3.11 on x86_64 Linux)
# Needs:   root (tcpdump), tcpdump, ss, tshark, PyPI unless $VENV holds yadnp3 3.2.1.4.
#
# opendnp3 is callback-driven, so the master script paces itself with sleeps
# (about 7 s per run). The outstation's start-up null unsolicited response
# always goes unanswered (the master is not up yet) and is repeated later.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/plant-dnp3-udp.pcap}
LISTING=${OUT%.pcap}.tshark.txt
PORT=20000          # outstation
MASTER_PORT=20001
YADNP3_VERSION=3.2.1.4
PYTHON=${PYTHON:-python3}

KEEP_WORK=""
die() { echo "record-plant-dnp3-udp: $*" >&2; [ -z "${WORK:-}" ] || KEEP_WORK=1; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo)"
for tool in tcpdump ss tshark; do command -v $tool >/dev/null || die "$tool not found"; done
for p in $PORT $MASTER_PORT; do
    if ss -Hanu "sport = :$p" | grep -q .; then die "UDP port $p is in use"; fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plant-dnp3-udp.XXXXXX")
VENV=${VENV:-$WORK/venv}
TCPDUMP_PID=""
OUTSTATION_PID=""

cleanup() {
    if [ -n "$OUTSTATION_PID" ] && kill -0 "$OUTSTATION_PID" 2>/dev/null; then
        kill "$OUTSTATION_PID" 2>/dev/null || true; wait "$OUTSTATION_PID" 2>/dev/null || true
    fi
    if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
        kill -INT "$TCPDUMP_PID" 2>/dev/null || true; wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    if [ -n "$KEEP_WORK" ]; then echo "record-plant-dnp3-udp: kept work files in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Python environment with yadnp3 (import name "opendnp3").
if ! "$VENV/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('yadnp3') != '$YADNP3_VERSION')" 2>/dev/null; then
    echo "== creating venv in $VENV and installing yadnp3==$YADNP3_VERSION"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "yadnp3==$YADNP3_VERSION"
fi
PY="$VENV/bin/python"

# 2. Start the capture and wait until tcpdump is listening.
PCAP="$WORK/capture.pcap"
tcpdump -i lo -U --immediate-mode -Z root -w "$PCAP" "udp port $PORT" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/tcpdump.log" && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$WORK/tcpdump.log" >&2; die "tcpdump exited"; }
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || die "tcpdump did not start listening"
sleep 0.5

# 3. Start the outstation and wait for its UDP socket (a connected socket: ss -a, not -l).
"$PY" -u "$HERE/plant_udp_outstation.py" "$PORT" "$MASTER_PORT" >"$WORK/outstation.log" 2>&1 &
OUTSTATION_PID=$!
for _ in $(seq 100); do
    ss -Hanu "sport = :$PORT" | grep -q . && break
    kill -0 "$OUTSTATION_PID" 2>/dev/null || { cat "$WORK/outstation.log" >&2; die "outstation exited"; }
    sleep 0.1
done
ss -Hanu "sport = :$PORT" | grep -q . || die "outstation did not open UDP port $PORT"

# 4. Run the master in the foreground (opendnp3 log lines "ms(...)" filtered out).
echo "== running plant_udp_master.py"
MASTER_RC=0
timeout 60 "$PY" -u "$HERE/plant_udp_master.py" "$MASTER_PORT" "$PORT" >"$WORK/master.log" 2>&1 || MASTER_RC=$?
grep -v ' ms(' "$WORK/master.log" || true

# 5. Stop the outstation, then the capture.
kill "$OUTSTATION_PID"; wait "$OUTSTATION_PID" 2>/dev/null || true; OUTSTATION_PID=""
sleep 1
kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=""
grep -E "packets (captured|received|dropped)" "$WORK/tcpdump.log" || true
echo "--- outstation log"; grep -v ' ms(' "$WORK/outstation.log" || true
[ "$MASTER_RC" -eq 0 ] || die "master failed (exit $MASTER_RC); capture not written"

# 6. Verify with tshark and write the listing.
"$HERE/dnp3-listing.sh" "$PCAP" "$PORT" "$(basename "$OUT")" >"$WORK/listing.txt" \
    || { cat "$WORK/listing.txt" >&2; die "bad CRC or malformed frame in the capture"; }
cat "$WORK/listing.txt"

cp "$PCAP" "$OUT"
cp "$WORK/listing.txt" "$LISTING"
echo "== wrote $OUT ($(stat -c %s "$OUT") bytes) and $LISTING"
