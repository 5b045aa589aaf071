#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what OTSensor needs on Debian 12, where missing. To build: libpcap-dev (the capture library), libzstd-dev
# and zlib1g-dev (batch compression), all found through pkg-config, and pkg-config. With --tests, also what the
# test suite uses: python3 with PyYAML (the shared fault-case and suricata-verify helpers), tcpdump (the scripts
# that record the project's captures), iproute2 and tcpreplay (the live-capture tests, which run as root),
# postgresql (the center's storage tests start their own server) and openssl (test certificates). With --tests or
# --package, what building and checking the Debian packages takes: dpkg-dev (dpkg-shlibdeps), binutils (strip),
# systemd (systemd-analyze), adduser and init-system-helpers (the maintainer scripts).
# The Swift 6.3 toolchain must already be on PATH or in /opt/swift (swift.org's Debian build): it is not in
# Debian's archive. SwiftPM then needs swift-argument-parser from its package source (here, the local mirror).
set -euo pipefail

need=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need+=(libpcap-dev)
dpkg -s libzstd-dev >/dev/null 2>&1 || need+=(libzstd-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if [[ ${1:-} == --tests || ${1:-} == --package ]]; then
    command -v dpkg-shlibdeps >/dev/null 2>&1 || need+=(dpkg-dev)
    command -v strip >/dev/null 2>&1 || need+=(binutils)
    command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
    command -v adduser >/dev/null 2>&1 || need+=(adduser)
    command -v deb-systemd-helper >/dev/null 2>&1 || need+=(init-system-helpers)
fi
if [[ ${1:-} == --tests ]]; then
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    python3 -c 'import yaml' >/dev/null 2>&1 || need+=(python3-yaml)
    command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
    # The live-capture tests: a network namespace with a veth pair (iproute2), traffic sent by tcpreplay.
    command -v ip >/dev/null 2>&1 || need+=(iproute2)
    command -v tcpreplay >/dev/null 2>&1 || need+=(tcpreplay)
    # The center's storage tests against PostgreSQL (Packaging/test-postgres.sh starts a server), and the TLS
    # certificates the uplink tests make.
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v openssl >/dev/null 2>&1 || need+=(openssl)
fi

if ((${#need[@]})); then
    sudo=""
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: ${need[*]}" >&2; exit 1; }
        sudo=sudo
    fi
    echo "setup: installing ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "setup: swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "setup: the Swift 6.3 toolchain is missing: install it from swift.org (Debian 12 build)" >&2
    fi
    exit 1
fi
