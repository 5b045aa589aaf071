#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's second command, and what CI runs: set up, then the whole test suite:
#   1. swift test (unit, case and shared-capture conformance tests);
#   2. the fuzz corpus replayed through the fuzz targets (plain builds replay files, STYLE.md §9.10);
#   3. the hot-path modules checked for Foundation imports (STYLE.md §1);
#   4. the suricata-verify expectations (Modbus and DNP3) that need no rules (../shared/tools/sv_check.py).
# OTSENSOR_PCAPS (default ../shared/pcaps) and OTSENSOR_CASES (default ../shared/cases) locate the shared data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh --tests

echo "== hot-path modules import no Foundation"
if grep -rlE '^\s*(public |internal |@preconcurrency )?import (Foundation|FoundationEssentials)' \
    Sources/WireFormat Sources/NetworkLayers Sources/TCPReassembly Sources/ModbusTCP Sources/DNP3 Sources/Detection; then
    echo "Foundation imported in a hot-path module" >&2
    exit 1
fi

echo "== swift test"
swift test

echo "== fuzz corpus replay"
for target in fuzz-modbus fuzz-reassembly fuzz-dnp3-link fuzz-dnp3-transport fuzz-dnp3-objects fuzz-signatures; do
    swift build --product "$target" >/dev/null
    ".build/debug/$target" Tests/FuzzCorpus/"$target"/*
done

PCAPS=${OTSENSOR_PCAPS:-../shared/pcaps}
if [[ -d $PCAPS ]] && [[ -f ${OTSENSOR_SV_CHECK:-../shared/tools/sv_check.py} ]]; then
    echo "== suricata-verify expectations (Modbus and DNP3, no rules)"
    swift build --product otsensor >/dev/null
    # Checks on alerts need the rule engine (a later issue); this build is judged on the decoded records.
    python3 "${OTSENSOR_SV_CHECK:-../shared/tools/sv_check.py}" --no-rules .build/debug/otsensor "$PCAPS" \
        > .build/sv-check.txt || true
    # Checks on alerts wait for the rule engine (a later issue); checks on decoded records must all pass.
    python3 - .build/sv-check.txt <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
checks = [l for l in lines if " check " in l]
record_failures = [l for l in checks if '"event_type": "alert"' not in l and '"alert.' not in l]
alert_pending = len(checks) - len(record_failures)
total = next((l for l in lines if l.startswith("suricata-verify:")), "")
passed = int(total.split(":", 1)[-1].split("passed")[0].strip() or 0)
print("suricata-verify (Modbus, DNP3): checks on decoded records %d of %d pass; %d checks on alerts wait for the rule engine"
      % (passed, passed + len(record_failures), alert_pending))
if record_failures:
    print("checks on decoded records failed:", *record_failures, sep="\n", file=sys.stderr)
    sys.exit(1)
PY
else
    echo "== suricata-verify expectations skipped: $PCAPS or sv_check.py not found"
fi
echo "test.sh: all passed"
