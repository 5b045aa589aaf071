#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages that Packaging/build-deb.sh made and checks them as an administrator would meet them;
# then removes and purges them. Needs root (CI runs as root). Part of Packaging/test.sh.
#   install: binaries that run without the toolchain, the rules, man pages, conffiles, users, folders, the key,
#            units enabled but not started until configured; the agent captures as its unit would run it;
#   units:   systemd-analyze verify, and systemd-analyze security (the exposure scores are printed);
#   reinstall over itself: configuration, key and spool kept;
#   dpkg -r: only configuration, data and systemd's enablement state remain; dpkg -P: nothing remains.
# Usage: Packaging/test-deb.sh [DEB-FOLDER]   (default .build/deb)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
debs=${1:-.build/deb}
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
check() { echo "  ok: $*"; }

[[ $(id -u) == 0 ]] || { echo "test-deb: skipped: installing packages needs root"; exit 0; }
for package in otsensor otsensor-center; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q installed; then
        echo "test-deb: skipped: $package is already installed on this machine (dpkg -P it to run this test)"
        exit 0
    fi
done
agent=$(ls "$debs"/otsensor_*.deb)
center=$(ls "$debs"/otsensor-center_*.deb)
version=$(dpkg-deb -f "$agent" Version)
capture=Tests/SensorTestSupport/Captures/modbus/attack-session.pcap
site=Tests/SensorTestSupport/Captures/modbus/attack-site.yaml

# Paths named after the project in the system's folders, but dpkg's own records and man-db's cache of formatted
# pages (/var/cache/man, man-db's to keep and expire: its daily job drops pages whose source is gone).
leftovers() {
    find /usr /lib /etc /var \( -path /var/lib/dpkg -o -path /var/cache/man \) -prune -o \( -name '*otsensor*' -print \) \
        2>/dev/null | sort
}

echo "== dpkg -i $(basename "$agent") $(basename "$center")"
dpkg -i "$agent" "$center"

echo "== installed"
[[ $(/usr/bin/otsensor --version) == "otsensor $version" ]] || fail "otsensor --version: $(/usr/bin/otsensor --version)"
[[ $(/usr/bin/otsensor-center --version) == "otsensor-center $version" ]] || fail "otsensor-center --version"
check "otsensor --version and otsensor-center --version: $version"
for binary in /usr/bin/otsensor /usr/bin/otsensor-center; do
    if env -i PATH=/usr/bin:/bin ldd "$binary" | grep -E 'not found|swift'; then fail "$binary needs the toolchain"; fi
done
check "no Swift runtime library needed: $(env -i ldd /usr/bin/otsensor | awk '{print $1}' | tr '\n' ' ')"
rules=$(otsensor rules check /usr/share/otsensor/signatures) || fail "rules check: $rules"
[[ $rules == *" 0 errors, 0 warnings" ]] || fail "rules check: $rules"
check "rules check /usr/share/otsensor/signatures: $rules"
# The installed binary, finding its rules in /usr/share/otsensor/signatures, says what the development build says.
installed=$(cd / && otsensor replay --format eve --no-progress --config "$OLDPWD/$site" "$OLDPWD/$capture")
built=$(.build/debug/otsensor replay --format eve --no-progress --config "$site" "$capture")
[[ $installed == "$built" ]] || fail "the installed replay differs from the development build's"
alerts=$(grep -c '"event_type":"alert"' <<<"$installed")
((alerts > 0)) || fail "replay of $capture raised no alert"
check "otsensor replay $capture: $(wc -l <<<"$installed") EVE records, $alerts alerts, as the development build's"
for page in otsensor otsensor-run otsensor-replay otsensor-config-ready otsensor-center otsensor-center-serve; do
    zcat "/usr/share/man/man1/$page.1.gz" | grep -q '^\.Dt\|^\.TH' || fail "man page $page"
done
check "man pages: $(ls /usr/share/man/man1 | grep -c otsensor) (otsensor-run.1.gz, otsensor-center-serve.1.gz, ...)"
dpkg-query -W -f='${Conffiles}\n' otsensor otsensor-center | grep -q /etc/otsensor/otsensor.yaml || fail conffiles
dpkg-query -W -f='${Conffiles}\n' otsensor otsensor-center | grep -q /etc/otsensor/center.yaml || fail conffiles
check "conffiles: /etc/otsensor/otsensor.yaml, /etc/otsensor/center.yaml"
[[ $(stat -c '%U %a' /etc/otsensor/sensor.key) == "otsensor 600" ]] || fail "sensor.key: $(stat -c '%U %a' /etc/otsensor/sensor.key)"
[[ $(stat -c '%U %G %a' /var/lib/otsensor/spool) == "otsensor otsensor 750" ]] || fail "spool folder"
[[ $(stat -c '%U %G %a' /var/lib/otsensor/center) == "otsensor-center otsensor-center 750" ]] || fail "center folder"
[[ $(getent passwd otsensor | cut -d: -f7) == /usr/sbin/nologin ]] || fail "otsensor's shell"
check "users otsensor and otsensor-center; sensor key (otsensor, 0600); spool and center folders (0750)"
for unit in otsensor.service otsensor-center.service; do
    [[ -L /etc/systemd/system/multi-user.target.wants/$unit ]] || fail "$unit not enabled"
done
if otsensor config ready >/dev/null; then fail "the default configuration says ready"; fi
if otsensor-center config ready >/dev/null; then fail "the default center configuration says ready"; fi
check "units enabled; not ready until configured: $(otsensor config ready || true)"

echo "== the agent as its unit runs it: user otsensor, only CAP_NET_RAW and CAP_NET_ADMIN"
otsensor config check --no-default-rules >/dev/null || fail "config check of the default configuration"
setpriv --reuid otsensor --regid otsensor --init-groups --inh-caps=-all,+net_raw,+net_admin \
    --ambient-caps=-all,+net_raw,+net_admin --bounding-set=-all,+net_raw,+net_admin \
    otsensor run --config /etc/otsensor/otsensor.yaml -i lo --metrics off --summary-window 1 2>/tmp/otsensor-unit.log &
pid=$!
# Stopped once it captures (it says so), so that SIGTERM meets its shutdown handling, however loaded the machine.
for _ in $(seq 600); do
    grep -q 'capturing on lo' /tmp/otsensor-unit.log 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
sleep 1
kill -TERM $pid
wait $pid || fail "the agent under the unit's rights: $(cat /tmp/otsensor-unit.log)"
[[ $(stat -c %U /var/log/otsensor/eve.json) == otsensor ]] || fail "eve.json not the otsensor user's"
grep -q '"event_type":"stats"' /var/log/otsensor/eve.json || fail "no stats record in /var/log/otsensor/eve.json"
check "captured on lo as otsensor with the unit's capabilities, stopped with status 0, wrote /var/log/otsensor/eve.json"

echo "== the units"
units=/lib/systemd/system
cp "$units/otsensor@.service" /tmp/otsensor@lo.service
for unit in "$units/otsensor.service" /tmp/otsensor@lo.service "$units/otsensor-center.service"; do
    out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
    # Only the messages about this unit count (the machine's other units are not ours to judge).
    if grep -i "otsensor" <<<"$out"; then fail "systemd-analyze verify $unit"; fi
    score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) \(.*\)/\1 \2/p')
    [[ -n $score ]] || fail "systemd-analyze security $unit"
    check "systemd-analyze verify $(basename "$unit"): clean; security: exposure $score"
done
rm -f /tmp/otsensor@lo.service

echo "== reinstall over itself: configuration, key and data kept"
echo "# changed by the administrator" >> /etc/otsensor/otsensor.yaml
key=$(sha256sum /etc/otsensor/sensor.key)
setpriv --reuid otsensor --regid otsensor --init-groups touch /var/lib/otsensor/spool/kept
dpkg -i "$agent" "$center"
grep -q "changed by the administrator" /etc/otsensor/otsensor.yaml || fail "the changed configuration was replaced"
[[ $(sha256sum /etc/otsensor/sensor.key) == "$key" ]] || fail "the sensor key changed"
[[ -e /var/lib/otsensor/spool/kept ]] || fail "the spool lost a file"
check "reinstalled: configuration change, key and spool kept"

echo "== dpkg -r: configuration and data remain"
dpkg -r otsensor otsensor-center
remaining=$(leftovers)
echo "$remaining" | sed 's/^/  remains: /'
while read -r path; do
    case $path in
    /etc/otsensor | /etc/otsensor/* | /var/lib/otsensor | /var/lib/otsensor/* | /var/log/otsensor | /var/log/otsensor/*) ;;
    # systemd's record of the administrator's choices (enabled, masked while removed), as Debian keeps it until purge.
    /etc/systemd/system/*otsensor* | /var/lib/systemd/deb-systemd-helper-*) ;;
    *) fail "dpkg -r left $path" ;;
    esac
done <<<"$remaining"
for path in /etc/otsensor/otsensor.yaml /etc/otsensor/center.yaml /etc/otsensor/sensor.key /var/lib/otsensor/spool/kept \
    /var/log/otsensor/eve.json /var/lib/otsensor/center; do
    [[ -e $path ]] || fail "dpkg -r removed $path"
done
[[ ! -e /usr/bin/otsensor && ! -e /usr/share/otsensor ]] || fail "dpkg -r left the program"
check "removed: only configuration, key, spool, EVE log, center data and systemd's enablement state remain"

echo "== dpkg -P: nothing remains"
dpkg -P otsensor otsensor-center
remaining=$(leftovers)
[[ -z $remaining ]] || fail "dpkg -P left: $remaining"
if getent passwd otsensor >/dev/null || getent passwd otsensor-center >/dev/null; then fail "users left"; fi
check "purged: no file, folder or user of OTSensor's left"
echo "test-deb: all passed"
