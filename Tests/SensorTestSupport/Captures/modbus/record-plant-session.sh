#!/usr/bin/env bash
# Record plant-session.pcap: a real Modbus/TCP session between two separate
# processes on 127.0.0.1:502 (plant_server.py = PLC, plant_client.py = HMI),
# both pymodbus 3.16.1, captured on the loopback interface with tcpdump.
#
# Usage:   sudo ./record-plant-session.sh [OUTPUT.pcap]
#          (default output: plant-session.pcap beside this script)
# Env:     VENV=DIR      reuse/create the venv there (default: a temp dir, removed at exit)
#          PYTHON=EXE    interpreter used to create the venv (default: python3)
# Needs:   root (port 502 and tcpdump), tcpdump, ss (iproute2), network access to PyPI
#          unless $VENV already holds pymodbus 3.16.1. tshark is optional (used to verify).
#
# The request sequence is fixed, so the Modbus content (function codes, unit ids,
# transaction ids, addresses, values) is identical on every run; timestamps, the
# client's ephemeral TCP port, TCP sequence numbers and pure-ACK placement differ.
#
# Reference listing (after recording):
#   tshark -r plant-session.pcap -Y modbus -T fields -e frame.number -e tcp.srcport \
#     -e modbus.func_code -e mbtcp.trans_id -e mbtcp.unit_id -e modbus.reference_num \
#     -e modbus.word_cnt -e modbus.bit_cnt -e modbus.regval_uint16 -e modbus.exception_code \
#     > plant-session.tshark.txt
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/plant-session.pcap}
PORT=502
PYMODBUS_VERSION=3.16.1
PYTHON=${PYTHON:-python3}

KEEP_WORK=""
die() { echo "record-plant-session: $*" >&2; [ -z "${WORK:-}" ] || KEEP_WORK=1; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo, bind to port $PORT)"
command -v tcpdump >/dev/null || die "tcpdump not found"
command -v ss >/dev/null || die "ss not found"
if ss -Hltn "sport = :$PORT" | grep -q .; then
    die "something is already listening on port $PORT"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/plant-session.XXXXXX")
VENV=${VENV:-$WORK/venv}
TCPDUMP_PID=""
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
        kill -INT "$TCPDUMP_PID" 2>/dev/null || true
        wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    if [ -n "$KEEP_WORK" ]; then
        echo "record-plant-session: kept work files in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Python environment with pymodbus.
if ! "$VENV/bin/python" -c "import sys, pymodbus; sys.exit(pymodbus.__version__ != '$PYMODBUS_VERSION')" 2>/dev/null; then
    echo "== creating venv in $VENV and installing pymodbus==$PYMODBUS_VERSION"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "pymodbus==$PYMODBUS_VERSION"
fi
PY="$VENV/bin/python"

# 2. Start the capture and wait until tcpdump is listening.
PCAP="$WORK/capture.pcap"
# --immediate-mode: without it libpcap (TPACKET_V3) holds up to ~1 s of packets
# in a ring block that is lost when tcpdump is interrupted (seen: 75 of 108).
tcpdump -i lo -U --immediate-mode -Z root -w "$PCAP" "tcp port $PORT" 2>"$WORK/tcpdump.log" &
TCPDUMP_PID=$!
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/tcpdump.log" && break
    kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$WORK/tcpdump.log" >&2; die "tcpdump exited"; }
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || die "tcpdump did not start listening"
sleep 0.5

# 3. Start the server and wait for its listening socket (no probe connection).
"$PY" -u "$HERE/plant_server.py" 127.0.0.1 "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    ss -Hltn "sport = :$PORT" | grep -q . && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
    sleep 0.1
done
ss -Hltn "sport = :$PORT" | grep -q . || die "server did not start listening on port $PORT"

# 4. Run the client (HMI) in the foreground.
echo "== running plant_client.py"
CLIENT_RC=0
timeout 60 "$PY" -u "$HERE/plant_client.py" 127.0.0.1 "$PORT" | tee "$WORK/client.log" \
    || CLIENT_RC=${PIPESTATUS[0]}

# 5. Stop the server, then the capture (SIGINT flushes the file).
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
sleep 1
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
TCPDUMP_PID=""
grep -E "packets (captured|received|dropped)" "$WORK/tcpdump.log" || true

if [ "$CLIENT_RC" -ne 0 ]; then
    echo "--- server log" >&2; cat "$WORK/server.log" >&2
    die "client failed (exit $CLIENT_RC); capture not written"
fi

# 6. Optional verification with tshark.
if command -v tshark >/dev/null; then
    MALFORMED=$(tshark -r "$PCAP" -Y _ws.malformed 2>"$WORK/tshark.err" | wc -l)
    [ "$MALFORMED" -eq 0 ] || die "tshark reports $MALFORMED malformed frame(s)"
    TRANSACTIONS=$(sed -n 's/^summary: \([0-9]*\) transactions.*/\1/p' "$WORK/client.log")
    PDUS=$(tshark -r "$PCAP" -Y modbus 2>>"$WORK/tshark.err" | wc -l)
    [ "$PDUS" -eq $((2 * TRANSACTIONS)) ] \
        || die "capture holds $PDUS Modbus PDUs, expected $((2 * TRANSACTIONS)) (truncated capture?)"
    echo "== $PDUS Modbus PDUs for $TRANSACTIONS transactions, no malformed frames"
    echo "== function codes client->server: $(tshark -r "$PCAP" -Y "modbus && tcp.dstport == $PORT" -T fields -e modbus.func_code 2>>"$WORK/tshark.err" | sort -n | uniq | paste -sd' ')"
    echo "== function codes server->client: $(tshark -r "$PCAP" -Y "modbus && tcp.srcport == $PORT" -T fields -e modbus.func_code 2>>"$WORK/tshark.err" | sort -n | uniq | paste -sd' ')"
fi

cp "$PCAP" "$OUT"
echo "== wrote $OUT ($(stat -c %s "$OUT") bytes)"
