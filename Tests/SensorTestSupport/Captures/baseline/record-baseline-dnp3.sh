#!/usr/bin/env bash
# Record the DNP3/TCP baseline captures (README.md beside this script): an
# outstation (baseline_outstation.py, 127.0.0.1:20000, link address 10) and a
# SCADA master (baseline_master.py, 127.0.0.20, link address 1) running its
# integrity poll, event poll and operator control on fixed jittered schedules,
# and, in the attack captures, one attack at capture time 300 s. Both peers
# are dnp3py 0.6.0 processes; tcpdump captures on lo.
#
# Time compression: the peers run FACTOR times faster than the capture time
# they act out (FACTOR=10: the one-hour capture takes 6 minutes, each
# 10-minute capture 1 minute); pcap_timescale.py then multiplies every
# timestamp offset from the first packet by FACTOR.
#
# Usage:   sudo ./record-baseline-dnp3.sh [SCENARIO...]
#          SCENARIO: normal new-control cold-restart stopped-integrity-poll (default: all).
#          Writes dnp3-SCENARIO.pcap and dnp3-SCENARIO.tshark.txt beside this script.
# Env:     VENV=DIR      reuse/create the venv there (default: a temp dir, removed at exit)
#          PYTHON=EXE    interpreter used to create the venv (default: python3)
#          FACTOR=N      time compression (default 10; the README's numbers are for 10)
#          OUTDIR=DIR    where to write (default: beside this script)
#          DURATION=S    override the capture length in capture seconds (testing only)
# Needs:   root (tcpdump), tcpdump, ss (iproute2), tshark, Python >= 3.11, network
#          access to PyPI unless $VENV already holds dnp3py 0.6.0. The
#          127.0.0.x source address needs no set-up: Linux routes 127/8 to lo.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUTDIR=${OUTDIR:-$HERE}
PORT=20000
DNP3PY_VERSION=0.6.0
PYTHON=${PYTHON:-python3}
FACTOR=${FACTOR:-10}
# The peers keep real-time schedules FACTOR times faster than capture time, so
# a scheduling delay of 1 ms becomes FACTOR ms in the capture: run them (and
# tcpdump) at a raised priority so that a busy machine disturbs them less.
NICE="nice -n -10"
ALL="normal new-control cold-restart stopped-integrity-poll"
SCENARIOS=${*:-$ALL}

KEEP_WORK=""
die() { echo "record-baseline-dnp3: $*" >&2; [ -z "${WORK:-}" ] || KEEP_WORK=1; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (tcpdump on lo)"
for tool in tcpdump ss tshark; do command -v $tool >/dev/null || die "$tool not found"; done
for s in $SCENARIOS; do [[ " $ALL " == *" $s "* ]] || die "unknown scenario '$s' (known: $ALL)"; done
if ss -Hltn "sport = :$PORT" | grep -q .; then die "something is already listening on port $PORT"; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/baseline-dnp3.XXXXXX")
VENV=${VENV:-$WORK/venv}
TCPDUMP_PID=""
SERVER_PID=""
CLIENT_PIDS=()

stop_all() {
    for pid in "${CLIENT_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    CLIENT_PIDS=()
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
    if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
        kill -INT "$TCPDUMP_PID" 2>/dev/null || true; wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    TCPDUMP_PID=""
}
cleanup() {
    stop_all
    if [ -n "$KEEP_WORK" ]; then echo "record-baseline-dnp3: kept work files in $WORK" >&2; else rm -rf "$WORK"; fi
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
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ beside the scripts

record() {  # record SCENARIO
    local scenario=$1 duration pcap log t0 rc
    duration=${DURATION:-$([ "$scenario" = normal ] && echo 3600 || echo 600)}
    pcap="$WORK/$scenario.raw.pcap"
    log="$WORK/$scenario"
    mkdir -p "$log"
    echo "== dnp3-$scenario: $duration s capture time, x$FACTOR -> about $((duration / FACTOR)) s"

    # tcpdump first; --immediate-mode: without it libpcap can hold packets in a
    # ring block that is lost when tcpdump is interrupted.
    $NICE tcpdump -i lo -U --immediate-mode -Z root -w "$pcap" "tcp port $PORT" 2>"$log/tcpdump.log" &
    TCPDUMP_PID=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$log/tcpdump.log" && break
        kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$log/tcpdump.log" >&2; die "tcpdump exited"; }
        sleep 0.1
    done
    grep -q "listening on" "$log/tcpdump.log" || die "tcpdump did not start listening"
    sleep 0.5

    # The shared clock: capture time 0 is T0, a few seconds from now.
    t0=$("$PY" -c 'import time; print(f"{time.time() + 4:.6f}")')

    # Outstation; wait for its listening socket (no probe connection).
    $NICE "$PY" -u "$HERE/baseline_outstation.py" 127.0.0.1 "$PORT" "$t0" "$FACTOR" >"$log/outstation.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        ss -Hltn "sport = :$PORT" | grep -q . && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log/outstation.log" >&2; die "outstation exited"; }
        sleep 0.1
    done
    ss -Hltn "sport = :$PORT" | grep -q . || die "outstation did not start listening on port $PORT"

    # Master; it waits for capture time 0.
    CLIENT_PIDS=()
    $NICE timeout $((duration / FACTOR + 60)) "$PY" -u "$HERE/baseline_master.py" 127.0.0.1 "$PORT" \
        "$t0" "$FACTOR" "$duration" "$scenario" >"$log/master.log" 2>&1 &
    CLIENT_PIDS+=($!)
    rc=0
    for pid in "${CLIENT_PIDS[@]}"; do wait "$pid" || rc=1; done
    CLIENT_PIDS=()
    sleep 0.3
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    sleep 1
    kill -INT "$TCPDUMP_PID"; wait "$TCPDUMP_PID" || true; TCPDUMP_PID=""
    grep -E "packets (captured|received|dropped)" "$log/tcpdump.log" || true
    grep -v '^plan ' "$log/master.log" || true
    echo "--- outstation log"; cat "$log/outstation.log"
    [ "$rc" -eq 0 ] || die "the master failed or saw an unexpected answer (logs in $log)"
    if grep -qE "^(ERROR|WARNING|Traceback)" "$log/outstation.log"; then die "the outstation logged errors"; fi

    "$PY" "$HERE/pcap_timescale.py" "$pcap" "$OUTDIR/dnp3-$scenario.pcap" "$FACTOR"
    "$PY" "$HERE/baseline_listing.py" dnp3 "$OUTDIR/dnp3-$scenario.pcap" "$OUTDIR/dnp3-$scenario.tshark.txt" \
        || die "the capture check failed for dnp3-$scenario.pcap"
    echo "== wrote $OUTDIR/dnp3-$scenario.pcap ($(stat -c %s "$OUTDIR/dnp3-$scenario.pcap") bytes) and dnp3-$scenario.tshark.txt"
}

for s in $SCENARIOS; do record "$s"; done
