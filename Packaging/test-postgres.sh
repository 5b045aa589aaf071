#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Starts a throw-away PostgreSQL server from Debian's packages for the center's storage tests:
#   Packaging/test-postgres.sh start DIR   # a new cluster in DIR on a free loopback port; prints its URL
#   Packaging/test-postgres.sh stop DIR
# The cluster belongs to the user running the tests, or to `postgres` when that is root (initdb refuses root).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_owner() {
    if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $action in
start)
    mkdir -p "$dir"
    [[ $(id -u) == 0 ]] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U otsensor --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start \
        >/dev/null
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U otsensor otsensor_test
    echo "postgres://otsensor@127.0.0.1:$port/otsensor_test"
    ;;
stop)
    [[ -d $dir/data ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
