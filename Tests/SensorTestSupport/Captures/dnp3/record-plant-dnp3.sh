#!/usr/bin/env bash
# Record plant-dnp3.pcap: a real DNP3/TCP session between two separate processes
# on 127.0.0.1:20000 (plant_outstation.py = RTU, address 1; plant_master.py =
# SCADA master, address 2), both dnp3py 0.6.0, captured on lo with tcpdump,
# and write its tshark listing plant-dnp3.tshark.txt beside it.
#
# Usage:   sudo ./record-plant-dnp3.sh [OUTPUT.pcap]
#          (default output: plant-dnp3.pcap beside this script; the listing goes
#          to OUTPUT with .pcap replaced by .tshark.txt)
# Env:     VENV=DIR      reuse/create the venv there (default: a temp dir, removed at exit)
#          PYTHON=EXE    interpreter used to create the venv (default: python3; dnp3py needs >= 3.11)
# Needs:   root (tcpdump), tcpdump, ss (iproute2), tshark (verification and
#          listing), network access to PyPI unless $VENV already holds dnp3py 0.6.0.
#
# The request sequence and all point values are fixed, so the DNP3 content
# (function codes, objects, sequence numbers, values, IIN) is the same on every
# run except the g50v1 time written and event timestamps; TCP ports, sequence
# numbers and ACK placement differ.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/plant-dnp3.pcap}
LISTING=${OUT%.pcap}.tshark.txt
PORT=20000
DNP3PY_VERSION=0.6.0
PYTHON=${PYTHON:-python3}

KEEP_WORK=""
die() { echo "record-plant-dnp3: $*" >&2; [ -z "${WORK:-}" ] || KEEP_WORK=1; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo)"
for tool in tcpdump ss tshark; do command -v $tool >/dev/null || die "$tool not found"; done
if ss -Hltn "sport = :$PORT" | grep -q .; then die "something is already listening on port $PORT"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plant-dnp3.XXXXXX")
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
    if [ -n "$KEEP_WORK" ]; then echo "record-plant-dnp3: kept work files in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Python environment with dnp3py (pure Python, no dependencies; import name "dnp3").
if ! "$VENV/bin/python" -c "import sys, importlib.metadata as m; sys.exit(m.version('dnp3py') != '$DNP3PY_VERSION')" 2>/dev/null; then
    echo "== creating venv in $VENV and installing dnp3py==$DNP3PY_VERSION"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "dnp3py==$DNP3PY_VERSION"
fi
PY="$VENV/bin/python"

# 2. Start the capture and wait until tcpdump is listening. --immediate-mode: see
#    ../modbus/record-plant-session.sh (otherwise the last packets can be lost).
PCAP="$WORK/capture.pcap"
tcpdump -i lo -U --immediate-mode -Z root -w "$PCAP" "tcp port $PORT" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/tcpdump.log" && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$WORK/tcpdump.log" >&2; die "tcpdump exited"; }
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || die "tcpdump did not start listening"
sleep 0.5

# 3. Start the outstation and wait for its listening socket (no probe connection).
"$PY" -u "$HERE/plant_outstation.py" 127.0.0.1 "$PORT" >"$WORK/outstation.log" 2>&1 &
OUTSTATION_PID=$!
for _ in $(seq 100); do
    ss -Hltn "sport = :$PORT" | grep -q . && break
    kill -0 "$OUTSTATION_PID" 2>/dev/null || { cat "$WORK/outstation.log" >&2; die "outstation exited"; }
    sleep 0.1
done
ss -Hltn "sport = :$PORT" | grep -q . || die "outstation did not start listening on port $PORT"

# 4. Run the master in the foreground.
echo "== running plant_master.py"
MASTER_RC=0
timeout 60 "$PY" -u "$HERE/plant_master.py" 127.0.0.1 "$PORT" | tee "$WORK/master.log" || MASTER_RC=${PIPESTATUS[0]}

# 5. Stop the outstation, then the capture (SIGINT flushes the file).
sleep 0.3
kill "$OUTSTATION_PID"; wait "$OUTSTATION_PID" 2>/dev/null || true; OUTSTATION_PID=""
sleep 1
kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=""
grep -E "packets (captured|received|dropped)" "$WORK/tcpdump.log" || true
echo "--- outstation log"; cat "$WORK/outstation.log"
[ "$MASTER_RC" -eq 0 ] || die "master failed (exit $MASTER_RC); capture not written"

# 6. Verify with tshark and write the listing (one line per DNP3 link frame).
"$HERE/dnp3-listing.sh" "$PCAP" "$PORT" "$(basename "$OUT")" >"$WORK/listing.txt" \
    || { cat "$WORK/listing.txt" >&2; die "bad CRC or malformed frame in the capture"; }
cat "$WORK/listing.txt"

cp "$PCAP" "$OUT"
cp "$WORK/listing.txt" "$LISTING"
echo "== wrote $OUT ($(stat -c %s "$OUT") bytes) and $LISTING"
