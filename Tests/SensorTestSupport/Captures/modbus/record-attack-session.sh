#!/usr/bin/env bash
# Record attack-session.pcap: a real Modbus/TCP attack on a PLC, between separate
# processes on loopback port 502 (attack_server.py = PLC on 127.0.0.1;
# attack_client.py = the HMI at 127.0.0.1 and an attacker whose client binds
# 127.0.0.2), all pymodbus 3.16.1, captured on lo with tcpdump. Writes the
# tshark listing attack-session.tshark.txt beside the capture.
#
# Usage:   sudo ./record-attack-session.sh [OUTPUT.pcap]
#          (default output: attack-session.pcap beside this script; the listing
#          goes to OUTPUT with .pcap replaced by .tshark.txt)
# Env:     VENV=DIR      reuse/create the venv there (default: a temp dir, removed at exit)
#          PYTHON=EXE    interpreter used to create the venv (default: python3)
# Needs:   root (port 502 and tcpdump), tcpdump, ss (iproute2), tshark (check
#          and listing), network access to PyPI unless $VENV already holds
#          pymodbus 3.16.1. 127.0.0.2 needs no set-up: Linux routes all of
#          127.0.0.0/8 to lo.
#
# What the capture holds (attack_client.py has the details): the HMI polls once
# (FC3, FC4, FC1); the attacker, in one connection, reads device identification
# (43/14), reports server ID (17), scans function codes 25, 40, 65, 100 and 120,
# sends function 90 (UMAS), writes holding register 0 and coil 0 of unit 1,
# writes a register to unit 0 (broadcast, no response), and sends diagnostics
# 8/10, 8/1 and 8/4; then the HMI polls again. The Modbus content (function
# codes, units, transaction ids, addresses, values) is the same on every run;
# timestamps, ephemeral ports, TCP sequence numbers and pure-ACK placement differ.
#
# Reading the listing: tshark links a response to its request (request_frame)
# only for functions it knows, so the ILLEGAL FUNCTION answers to the scan and
# to function 90 show none; they follow their requests. The broadcast (unit 0)
# has no answer. pymodbus answers 8/4 (function 8, sub-function 4, no data) and
# the attacker's client, which expected no answer, closes with that reply unread,
# so its connection ends with a RST.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/attack-session.pcap}
LISTING=${OUT%.pcap}.tshark.txt
PORT=502
PYMODBUS_VERSION=3.16.1
PYTHON=${PYTHON:-python3}
# 20 requests: 3 + 3 HMI polls and 14 from the attacker. 19 responses: the
# broadcast is never answered; 8/4 is (a pymodbus quirk, see attack_server.py).
REQUESTS=20
RESPONSES=19

KEEP_WORK=""
die() { echo "record-attack-session: $*" >&2; [ -z "${WORK:-}" ] || KEEP_WORK=1; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo, bind to port $PORT)"
for tool in tcpdump ss tshark; do command -v $tool >/dev/null || die "$tool not found"; done
if ss -Hltn "sport = :$PORT" | grep -q .; then
    die "something is already listening on port $PORT"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/attack-session.XXXXXX")
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
        echo "record-attack-session: kept work files in $WORK" >&2
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
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ beside the scripts (attack_server.py imports plant_server.py)

# 2. Start the capture and wait until tcpdump is listening. --immediate-mode: see
#    record-plant-session.sh (otherwise the last packets can be lost).
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

# 3. Start the PLC and wait for its listening socket (no probe connection).
"$PY" -u "$HERE/attack_server.py" 127.0.0.1 "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    ss -Hltn "sport = :$PORT" | grep -q . && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
    sleep 0.1
done
ss -Hltn "sport = :$PORT" | grep -q . || die "server did not start listening on port $PORT"

# 4. Run the HMI and the attacker in the foreground.
echo "== running attack_client.py"
CLIENT_RC=0
timeout 60 "$PY" -u "$HERE/attack_client.py" 127.0.0.1 "$PORT" | tee "$WORK/client.log" \
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

# 6. Check with tshark and write the listing: every packet, so that a packet
#    number (pcap_cnt) can be looked up, with the Modbus fields of those that
#    carry Modbus.
t() { tshark -r "$PCAP" "$@" 2>>"$WORK/tshark.err"; }
MALFORMED=$(t -Y _ws.malformed | wc -l)
[ "$MALFORMED" -eq 0 ] || die "tshark reports $MALFORMED malformed frame(s)"
GOT_REQUESTS=$(t -Y "modbus && tcp.dstport == $PORT" | wc -l)
GOT_RESPONSES=$(t -Y "modbus && tcp.srcport == $PORT" | wc -l)
[ "$GOT_REQUESTS" -eq "$REQUESTS" ] && [ "$GOT_RESPONSES" -eq "$RESPONSES" ] \
    || die "capture holds $GOT_REQUESTS requests and $GOT_RESPONSES responses, expected $REQUESTS and $RESPONSES"
{
    echo "# tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}') listing of $(basename "$OUT"), made by record-attack-session.sh:"
    echo "# every packet; Modbus fields where tshark decodes Modbus (request_frame: the request a response answers)"
    t -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
        -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags.str -e tcp.len \
        -e mbtcp.trans_id -e mbtcp.unit_id -e modbus.func_code -e modbus.diagnostic_code -e modbus.mei \
        -e modbus.reference_num -e modbus.word_cnt -e modbus.bit_cnt -e modbus.regval_uint16 \
        -e modbus.data -e modbus.exception_code -e modbus.request_frame
    echo "# packets: $(t | wc -l); Modbus requests: $GOT_REQUESTS, responses: $GOT_RESPONSES; malformed: $MALFORMED"
} >"$WORK/listing.txt"
cat "$WORK/listing.txt"

cp "$PCAP" "$OUT"
cp "$WORK/listing.txt" "$LISTING"
echo "== wrote $OUT ($(stat -c %s "$OUT") bytes) and $LISTING"
