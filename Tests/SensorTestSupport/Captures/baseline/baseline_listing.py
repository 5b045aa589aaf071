#!/usr/bin/env python3
"""Write the tshark listing of a baseline capture and check the capture.

    baseline_listing.py modbus|dnp3 CAPTURE.pcap LISTING.txt

The listing has one line per Modbus PDU, or per DNP3 application fragment
(the frame that completes it; link-layer-only frames get a line of their own),
decoded by tshark: frame number, capture time (seconds from the first packet),
source and destination ip:port, then the protocol fields. It ends with '#'
lines: the TCP connections and, per request kind and client, the count and the
intervals between consecutive requests (the poll schedule as captured).

Checks (exit 1 if one fails): tshark reports no malformed frame and (DNP3) no
bad CRC; every request has exactly one response (Modbus: matched by TCP stream
and transaction id; DNP3: the next response on the stream with the same AL
sequence number).

Standard library only; needs tshark on PATH.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections import defaultdict

PORTS = {"modbus": 502, "dnp3": 20000}


def tshark(pcap: str, *args: str) -> str:
    return subprocess.run(["tshark", "-r", pcap, *args], check=True, capture_output=True, text=True).stdout


def fields(pcap: str, display_filter: str, names: list[str]) -> list[dict[str, str]]:
    args = ["-Y", display_filter, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    rows = []
    for line in tshark(pcap, *args).splitlines():
        parts = line.split("\t")
        rows.append(dict(zip(names, parts + [""] * (len(names) - len(parts)))))
    return rows


def tcp_connections(pcap: str, port: int) -> list[str]:
    rows = fields(pcap, "tcp", ["tcp.stream", "frame.number", "frame.time_relative", "ip.src", "tcp.srcport",
                                "ip.dst", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin",
                                "tcp.flags.reset"])
    streams: dict[str, dict] = {}
    for r in rows:
        s = streams.setdefault(r["tcp.stream"], {"first": r, "last": r, "fin": [], "rst": [], "n": 0})
        s["last"] = r
        s["n"] += 1
        if r["tcp.flags.fin"] in ("1", "True"):
            s["fin"].append(f"{r['frame.number']}({r['ip.src']})")
        if r["tcp.flags.reset"] in ("1", "True"):
            s["rst"].append(f"{r['frame.number']}({r['ip.src']})")
    out = []
    for sid, s in sorted(streams.items(), key=lambda kv: int(kv[0])):
        f = s["first"]
        client = (f"{f['ip.src']}:{f['tcp.srcport']}" if f["tcp.dstport"] == str(port)
                  else f"{f['ip.dst']}:{f['tcp.dstport']}")
        server = (f"{f['ip.dst']}:{f['tcp.dstport']}" if f["tcp.dstport"] == str(port)
                  else f"{f['ip.src']}:{f['tcp.srcport']}")
        out.append(f"#   stream {sid}: {client} -> {server}: frames {f['frame.number']}..{s['last']['frame.number']}"
                   f" (t {float(f['frame.time_relative']):.3f}..{float(s['last']['frame.time_relative']):.3f} s),"
                   f" {s['n']} packets; FIN {' '.join(s['fin']) or '-'}; RST {' '.join(s['rst']) or '-'}")
    return out


def interval_summary(kinds: dict[tuple, list[tuple[int, float]]]) -> list[str]:
    """One line per repeated request kind; one-off requests of one client, function and unit
    (scans) are folded into one line."""
    out = []
    singles: dict[tuple, list[tuple[str, int, float]]] = defaultdict(list)
    for key, seen in kinds.items():
        if len(seen) == 1:
            singles[key[:3]].append((" ".join(str(k) for k in key[3:]), *seen[0]))
    for key, seen in sorted(kinds.items(), key=lambda kv: kv[1][0][1]):
        if len(seen) == 1 and len(singles[key[:3]]) > 1:
            continue
        times = [t for _, t in seen]
        gaps = [b - a for a, b in zip(times, times[1:])]
        line = (f"#   {' '.join(str(k) for k in key)}: {len(seen)} requests, frames {seen[0][0]}..{seen[-1][0]},"
                f" t {times[0]:.3f}..{times[-1]:.3f}")
        if gaps:
            line += (f"; interval min {min(gaps):.3f} median {statistics.median(gaps):.3f}"
                     f" max {max(gaps):.3f} s")
        out.append(line)
    for key, items in singles.items():
        if len(items) > 1:
            items.sort(key=lambda i: i[1])
            out.append(f"#   {' '.join(str(k) for k in key)}: {len(items)} one-off requests ({items[0][0]} .. "
                       f"{items[-1][0]}), frames {items[0][1]}..{items[-1][1]}, t {items[0][2]:.3f}..{items[-1][2]:.3f}")
    return out


# --------------------------------------------------------------------------- Modbus

MB_FIELDS = ["frame.number", "frame.time_relative", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "tcp.stream",
             "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code", "modbus.reference_num", "modbus.word_cnt",
             "modbus.bit_cnt", "modbus.regval_uint16", "modbus.bitval", "modbus.data", "modbus.exception_code",
             "modbus.request_frame"]


def modbus(pcap: str) -> tuple[list[str], list[str], list[str]]:
    rows = fields(pcap, "modbus", MB_FIELDS)
    lines = ["frame\ttime\tsrc\tdst\tdir\ttid\tunit\tfc\tdetail"]
    requests: dict[tuple[str, str], dict] = {}
    answered: dict[tuple[str, str], int] = defaultdict(int)
    kinds: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
    problems = []
    for r in rows:
        is_req = r["tcp.dstport"] == "502"
        fc = int(r["modbus.func_code"])
        detail = []
        data = r["modbus.data"]
        if is_req:
            start = r["modbus.reference_num"]
            if fc in (3, 4):
                detail += [f"start={start}", f"qty={r['modbus.word_cnt']}"]
                key = (f"FC{fc}", f"unit {r['mbtcp.unit_id']}", f"start {start}", f"qty {r['modbus.word_cnt']}")
            elif fc in (1, 2):
                detail += [f"start={start}", f"qty={r['modbus.bit_cnt']}"]
                key = (f"FC{fc}", f"unit {r['mbtcp.unit_id']}", f"start {start}", f"qty {r['modbus.bit_cnt']}")
            elif fc == 5:
                value = {"ff00": "ON", "0000": "OFF"}.get(data, data)
                detail += [f"addr={start}", f"value={value}"]
                key = (f"FC{fc}", f"unit {r['mbtcp.unit_id']}", f"addr {start}")
            elif fc == 6:
                detail += [f"addr={start}", f"value={int(data, 16)}"]
                key = (f"FC{fc}", f"unit {r['mbtcp.unit_id']}", f"addr {start}")
            else:
                detail += [f"data={data}"]
                key = (f"FC{fc}", f"unit {r['mbtcp.unit_id']}")
            kinds[(r["ip.src"],) + key].append((int(r["frame.number"]), float(r["frame.time_relative"])))
            requests[(r["tcp.stream"], r["mbtcp.trans_id"])] = r
        else:
            if r["modbus.exception_code"]:
                detail += [f"exception={r['modbus.exception_code']}"]
            elif fc in (3, 4):
                detail += [f"values={r['modbus.regval_uint16']}"]
            elif fc in (1, 2):
                bits = "".join("1" if b in ("1", "True") else "0" for b in r["modbus.bitval"].split(",") if b)
                detail += [f"bits={bits}"]
            elif fc == 5:
                detail += [f"addr={r['modbus.reference_num']}", f"value={ {'ff00': 'ON', '0000': 'OFF'}.get(data, data)}"]
            elif fc == 6:
                detail += [f"addr={r['modbus.reference_num']}", f"value={int(data, 16)}"]
            req = requests.get((r["tcp.stream"], r["mbtcp.trans_id"]))
            detail += [f"req={r['modbus.request_frame'] or (req['frame.number'] if req else '?')}"]
            answered[(r["tcp.stream"], r["mbtcp.trans_id"])] += 1
        fc_text = f"{fc}" if not (not is_req and r["modbus.exception_code"]) else f"{fc | 0x80}"
        lines.append("\t".join([r["frame.number"], f"{float(r['frame.time_relative']):.6f}",
                                f"{r['ip.src']}:{r['tcp.srcport']}", f"{r['ip.dst']}:{r['tcp.dstport']}",
                                "req" if is_req else "rsp", r["mbtcp.trans_id"], r["mbtcp.unit_id"], fc_text,
                                " ".join(detail)]))
    for key, req in requests.items():
        if answered.get(key, 0) != 1:
            problems.append(f"request frame {req['frame.number']} has {answered.get(key, 0)} responses")
    for key in answered:
        if key not in requests:
            problems.append(f"response without request: stream {key[0]} tid {key[1]}")
    n_req = len(requests)
    n_rsp = sum(answered.values())
    totals = [f"# Modbus PDUs: {len(rows)} ({n_req} requests, {n_rsp} responses,"
              f" {sum(1 for r in rows if r['modbus.exception_code'])} exception responses)"]
    summary = ["# request kinds by client (ip, function, unit, start/addr, quantity): count and intervals"]
    summary += interval_summary(kinds)
    return lines, totals + summary, problems


# --------------------------------------------------------------------------- DNP3

DNP3_FUNCS = {0: "CONFIRM", 1: "READ", 2: "WRITE", 3: "SELECT", 4: "OPERATE", 5: "DIRECT_OPERATE",
              6: "DIRECT_OPERATE_NR", 13: "COLD_RESTART", 14: "WARM_RESTART", 20: "ENABLE_UNSOLICITED",
              21: "DISABLE_UNSOLICITED", 23: "DELAY_MEASURE", 129: "RESPONSE", 130: "UNSOLICITED_RESPONSE"}
POINT = re.compile(r"Point Number (\d+)(.*)")


def as_list(x):
    return x if isinstance(x, list) else [x]


def point_text(key: str, value) -> str:
    """'Point Number 2 (Quality: Online), Value: 6081' -> '2=6081'; CROBs -> '0:LATCH_ON status=0'."""
    idx, rest = POINT.match(key).groups()
    text = idx
    if m := re.search(r"\[([A-Za-z ]+)\]", rest):
        text += ":" + m.group(1).upper().replace(" ", "_")
    if m := re.search(r"(?:Value|Count): (-?[\d.]+)", rest):
        text += "=" + m.group(1)
    if m := re.search(r"Timestamp: \w+ \d+, \d+ ([\d:.]+)", rest):
        text += "@" + m.group(1)[:12]
    if isinstance(value, dict) and "dnp3.al.ctrlstatus" in value:
        text += f" status={value['dnp3.al.ctrlstatus']}"
    return text


def dnp3_objects(al: dict) -> tuple[list[str], list[str]]:
    """Object headers of an application layer (tshark JSON tree): (full text, signature without values).

    Full text per header: gGvV qualifier range [points], e.g. 'g60v2 q0x06 all',
    'g30v1 q0x00 0-7 0=317,1=1113,...', 'g12v1 q0x17 [1] 0:LATCH_ON status=0'."""
    full, sig = [], []
    for key, block in al.items():
        if not key.endswith("Data Objects") or not isinstance(block, dict):
            continue
        for obj, tree in zip(as_list(block.get("dnp3.al.obj", [])), as_list(block.get("dnp3.al.obj_tree", []))):
            code = int(obj, 16)
            gv = f"g{code >> 8}v{code & 0xFF}"
            qual, rng, points = "", "", []
            for k, v in tree.items():
                if k.startswith("Qualifier Field"):
                    qcode = int(v["dnp3.al.objq.prefix"]) << 4 | int(v["dnp3.al.objq.range"])
                    qual = f"q0x{qcode:02x}"
                    if qcode & 0x0F == 6:
                        rng = "all"
                elif k.startswith("Number of Items") and isinstance(v, dict):
                    if "dnp3.al.range.start" in v:
                        rng = f"{v['dnp3.al.range.start']}-{v['dnp3.al.range.stop']}"
                    elif "dnp3.al.range.quantity" in v:
                        rng = f"[{v['dnp3.al.range.quantity']}]"
                elif POINT.match(k):
                    for one in as_list(v):
                        points.append(point_text(k, one))
                elif k == "dnp3.al.time_delay":
                    points = [f"delay={v} ms"]
            full.append(" ".join(x for x in (gv, qual, rng, ",".join(points)) if x))
            sig.append(f"{gv} {','.join(p.split(' ')[0] for p in points)}" if gv == "g12v1" else gv)
    return full, sig


def dnp3(pcap: str) -> tuple[list[str], list[str], list[str]]:
    packets = json.loads(tshark(pcap, "-Y", "dnp3", "-T", "json", "--no-duplicate-keys"))
    lines = ["frame\ttime\tsrc\tdst\tlink\tal.func\tal.seq\tflags\tiin\tobjects"]
    kinds: dict[tuple, list[tuple[int, float]]] = defaultdict(list)
    pending: dict[str, dict] = {}
    problems = []
    n_req = n_rsp = 0
    for p in packets:
        layers = p["_source"]["layers"]
        frame = int(layers["frame"]["frame.number"])
        t = float(layers["frame"]["frame.time_relative"])
        ip, tcp = layers["ip"], layers["tcp"]
        src, dst = f"{ip['ip.src']}:{tcp['tcp.srcport']}", f"{ip['ip.dst']}:{tcp['tcp.dstport']}"
        stream = tcp["tcp.stream"]
        for d in as_list(layers["dnp3"]):
            link_key = next((k for k in d if k.startswith("Data Link Layer")), "")
            lsrc, ldst = re.search(r"From: (\d+)", link_key), re.search(r"To: (\d+)", link_key)
            link_text = f"{lsrc.group(1) if lsrc else '?'}->{ldst.group(1) if ldst else '?'}"
            al_key = next((k for k in d if k.startswith("Application Layer")), None)
            if al_key is None:
                if not any(k.startswith("dnp3.tr") for k in d):
                    lines.append("\t".join([str(frame), f"{t:.6f}", src, dst, link_text,
                                            "(link only)", "", "", "", ""]))
                continue
            al = d[al_key]
            if "dnp3.al.func" not in al:
                continue  # a fragment continued in a later frame
            fc = int(al["dnp3.al.func"])
            ctl = al.get("dnp3.al.ctl_tree", {})
            seq = ctl.get("dnp3.al.seq", "")
            flags = "".join(n for n, k in (("F", "dnp3.al.fir"), ("N", "dnp3.al.fin"), ("C", "dnp3.al.con"),
                                             ("U", "dnp3.al.uns")) if ctl.get(k) == "1")
            full, sig = dnp3_objects(al)
            lines.append("\t".join([str(frame), f"{t:.6f}", src, dst, link_text, f"{fc} {DNP3_FUNCS.get(fc, '?')}",
                                    seq, flags, al.get("dnp3.al.iin", ""), " ; ".join(full)]))
            if fc < 128 and fc != 0:
                n_req += 1
                if stream in pending:
                    problems.append(f"request frame {pending[stream]['frame']} unanswered before frame {frame}")
                pending[stream] = {"frame": frame, "seq": seq}
                kinds[(ip["ip.src"], DNP3_FUNCS.get(fc, str(fc)), " ".join(sig) or "-")].append((frame, t))
            elif fc == 129:
                n_rsp += 1
                req = pending.get(stream)
                if req is None or req["seq"] != seq:
                    problems.append(f"response frame {frame} (seq {seq}) matches no pending request")
                elif "N" in flags:
                    pending.pop(stream)
    for stream, req in pending.items():
        problems.append(f"request frame {req['frame']} has no response")
    totals = [f"# DNP3 application fragments: {n_req} requests, {n_rsp} responses "
              f"(confirms and unsolicited not counted as requests)"]
    summary = ["# request kinds by master (ip, function, objects): count and intervals"]
    summary += interval_summary(kinds)
    return lines, totals + summary, problems


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[1] not in PORTS:
        print(__doc__, file=sys.stderr)
        return 64
    proto, pcap, out = sys.argv[1:]
    lines, summary, problems = modbus(pcap) if proto == "modbus" else dnp3(pcap)
    packets = len(tshark(pcap).splitlines())
    malformed = len(tshark(pcap, "-Y", "_ws.malformed").splitlines())
    if malformed:
        problems.append(f"{malformed} malformed frame(s)")
    if proto == "dnp3":
        bad = len(tshark(pcap, "-Y", "dnp.hdr.CRC.status == 0 || dnp.data_chunk.CRC.status == 0").splitlines())
        if bad:
            problems.append(f"{bad} frame(s) with a bad CRC")
    version = subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.split()[2]
    name = pcap.rsplit("/", 1)[-1]
    head = [f"# tshark {version} listing of {name}, made by baseline_listing.py {proto}"]
    tail = [f"# packets: {packets}; malformed: {malformed}"] + summary
    tail += ["# TCP connections (client -> server)"] + tcp_connections(pcap, PORTS[proto])
    tail += [f"# check: {'OK' if not problems else 'FAILED: ' + '; '.join(problems[:20])}"]
    with open(out, "w") as f:
        f.write("\n".join(head + lines + tail) + "\n")
    print("\n".join(tail))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
