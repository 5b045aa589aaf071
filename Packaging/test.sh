#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's second command, and what CI runs: set up, then the whole test suite:
#   1. swift test (unit, case and shared-capture conformance tests; the center's storage tests also run against a
#      PostgreSQL server started here, Packaging/test-postgres.sh);
#   2. the fuzz corpus replayed through the fuzz targets (plain builds replay files, STYLE.md §9.10);
#   3. the hot-path modules checked for Foundation imports (STYLE.md §1);
#   4. every suricata-verify expectation stored beside the shared captures (../shared/tools/sv_check.py);
#   5. the Debian packages built (Packaging/build-deb.sh), then, as root, installed, checked, reinstalled, removed and
#      purged (Packaging/test-deb.sh).
# OTSENSOR_PCAPS (default ../shared/pcaps) and OTSENSOR_CASES (default ../shared/cases) locate the shared data.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh --tests

echo "== hot-path modules import no Foundation"
if grep -rlE '^\s*(public |internal |@preconcurrency )?import (Foundation|FoundationEssentials)' \
    Sources/WireFormat Sources/NetworkLayers Sources/TCPReassembly Sources/ModbusTCP Sources/DNP3 Sources/Detection \
    Sources/Baseline; then
    echo "Foundation imported in a hot-path module" >&2
    exit 1
fi

echo "== PostgreSQL for the center's storage tests"
pgdir=$(mktemp -d /tmp/otsensor-pg.XXXXXX)
chmod 755 "$pgdir"
trap 'Packaging/test-postgres.sh stop "$pgdir/pg"; rm -rf "$pgdir"' EXIT
OTSENSOR_TEST_POSTGRES_URL=$(Packaging/test-postgres.sh start "$pgdir/pg")
export OTSENSOR_TEST_POSTGRES_URL
echo "PostgreSQL at $OTSENSOR_TEST_POSTGRES_URL"

echo "== swift test"
# One test at a time: the live and end-to-end tests wait on real processes, and in parallel they held both threads
# of this 2-core machine's test pool while the asynchronous storage tests timed out waiting for a turn.
swift test --no-parallel

echo "== fuzz corpus replay"
for target in fuzz-modbus fuzz-reassembly fuzz-dnp3-link fuzz-dnp3-transport fuzz-dnp3-objects fuzz-signatures fuzz-baseline-model; do
    swift build --product "$target" >/dev/null
    ".build/debug/$target" Tests/FuzzCorpus/"$target"/*
done

PCAPS=${OTSENSOR_PCAPS:-../shared/pcaps}
if [[ -d $PCAPS ]] && [[ -f ${OTSENSOR_SV_CHECK:-../shared/tools/sv_check.py} ]]; then
    echo "== suricata-verify expectations (Modbus and DNP3, with their rules)"
    swift build --product otsensor >/dev/null
    # Every check must pass: decoded records, and alerts from the test's own rules. Where a test has no rules,
    # Suricata ran with its own rule files, whose Modbus and DNP3 part is the event rules: we load our
    # equivalents only (our full set also flags the file operations in the zeek-dnp3_file_* captures, so their
    # flow records would say "alerted": true where Suricata's say false).
    rm -rf .build/sv-signatures && mkdir -p .build/sv-signatures
    cp Signatures/modbus-events.rules Signatures/dnp3-events.rules .build/sv-signatures/
    if ! OTSENSOR_SIGNATURES=$PWD/.build/sv-signatures \
        python3 "${OTSENSOR_SV_CHECK:-../shared/tools/sv_check.py}" .build/debug/otsensor "$PCAPS" \
        > .build/sv-check.txt; then
        grep " check " .build/sv-check.txt >&2
        echo "suricata-verify: some checks fail (above)" >&2
        exit 1
    fi
    checks=$(sed -n 's/^suricata-verify: \([0-9]*\) passed.*/\1/p' .build/sv-check.txt)
    echo "suricata-verify (Modbus, DNP3): all $checks checks hold, alerts included"
else
    echo "== suricata-verify expectations skipped: $PCAPS or sv_check.py not found"
fi
echo "== Debian packages"
Packaging/build-deb.sh .build/deb
Packaging/test-deb.sh .build/deb
echo "test.sh: all passed"
