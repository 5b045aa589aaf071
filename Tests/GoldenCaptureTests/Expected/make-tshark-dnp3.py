#!/usr/bin/env python3
"""make-tshark-dnp3.py - regenerate the tshark-derived DNP3 golden figures and the
distilled Zeek / ICSNPP DNP3 expectations.

Developer tool, NOT a test: it needs tshark (the figures were made with
Wireshark/TShark 4.0.17) and writes two JSON files next to this script that the
GoldenCaptureTests read without tshark or Zeek:

  tshark-dnp3.json        one entry per capture of the shared pcaps folder that
                          tshark decodes DNP3 in (dnp3/*.pcap; mixed/*.pcap are
                          scanned too but hold no DNP3), keyed by file name
  zeek-icsnpp-dnp3.json   the values asserted by the stored Zeek btest baselines
                          (dnp3/*.expected.zeek.dnp3.log, *.expected.zeek.events.txt)
                          and ICSNPP baselines (icsnpp-dnp3_example.expected.icsnpp.
                          {dnp3,dnp3_control,dnp3_objects}.log), parsed from the
                          text files; no tool is run for this file

Usage:
  make-tshark-dnp3.py [--pcaps /work/shared/pcaps] [--out DIR] [--check]

--check recomputes both files and compares them with the ones on disk (exit 1
on any difference); nothing is written.

How the tshark figures are made: one pass per capture,
    tshark -r F -T pdml
with default preferences (DNP3 on tcp/udp port 20000, "-G decodes"; the DNP3
heuristic dissectors are off by default and are not enabled; TCP
desegmentation and DNP3 transport reassembly on), single pass (no -2).  In
PDML every DNP3 link frame is one <proto name="dnp3">, so a TCP segment that
carries several link frames yields several; the application layer (dnp3.al.*)
appears only in the link frame that completes the transport reassembly of a
fragment.  Counting rules are in ABOUT_TSHARK below and in the JSON's "_about".
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DNP3_PORTS = {20000}

# ----------------------------------------------------------------- helpers


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip() if out else "unknown"


def counter_json(c):
    return {k: c[k] for k in sorted(c)}


def fname(f):
    return f.get("name") or ""


def fshow(f):
    # Text-only tree items have name="" and the text in show=.
    return f.get("show") or ""


def children(e):
    return [c for c in e if c.tag == "field"]


def descendants_named(e, name, stop=None):
    """Fields named `name` below e, not descending into fields named `stop`."""
    out = []
    for c in children(e):
        if fname(c) == name:
            out.append(c)
        if stop is not None and fname(c) == stop:
            continue
        out.extend(descendants_named(c, name, stop))
    return out


def first_named(e, name):
    r = descendants_named(e, name)
    return r[0] if r else None


def obj_key(group, var, qual):
    return "g%dv%dq%s" % (group, var, qual)


# --------------------------------------------------------------- tshark pass


def analyse(pcap):
    cmd = ["tshark", "-r", pcap, "-T", "pdml"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    packets = 0
    dnp3_frames = 0
    link_frames = 0
    link_functions = collections.Counter()
    transport_segments = 0
    transport_not_fir_fin = 0
    header_crc = collections.Counter()
    chunk_crc = collections.Counter()
    malformed_frames = 0
    malformed_dnp3_frames = 0
    malformed_frame_numbers = []
    fragments = collections.Counter()
    headers = collections.Counter()
    points_by_header = collections.Counter()
    range_objects = 0
    points = 0
    expert = collections.Counter()
    problems = []
    dir_vs_port = collections.Counter()
    uns_fragments = 0
    sim_open = {}
    sim_dropped = []
    sim_fragments = collections.Counter()
    sized_objects = 0
    sized_by_header = collections.Counter()
    frames_with_multiple_fragments = 0
    transports = collections.Counter()

    for _, pkt in ET.iterparse(proc.stdout, events=("end",)):
        if pkt.tag != "packet":
            continue
        packets += 1
        frame = None
        src = dst = None
        transport = None
        stream = None
        dnp3_protos = []
        malformed = False
        for proto in pkt.findall("proto"):
            name = proto.get("name")
            if name == "geninfo":
                for f in proto.findall("field"):
                    if f.get("name") == "num":
                        frame = int(f.get("show"))
            elif name in ("tcp", "udp") and src is None:
                transport = name
                for f in proto.findall("field"):
                    if f.get("name") == name + ".srcport":
                        src = int(f.get("show"))
                    elif f.get("name") == name + ".dstport":
                        dst = int(f.get("show"))
                    elif f.get("name") == name + ".stream":
                        stream = "%s%s" % (name, f.get("show"))
            elif name == "dnp3":
                dnp3_protos.append(proto)
        # The malformed marker is a top-level proto or, when the exception happened inside a
        # sub-tree, nested inside the dnp3 proto.
        malformed = any(p.get("name") == "_ws.malformed" for p in pkt.iter("proto"))
        if malformed:
            malformed_frames += 1
            malformed_frame_numbers.append(frame)
        if not dnp3_protos:
            pkt.clear()
            continue
        dnp3_frames += 1
        transports[transport] += 1
        if malformed:
            malformed_dnp3_frames += 1
        port_dir = None
        if dst in DNP3_PORTS and src not in DNP3_PORTS:
            port_dir = "to_outstation"
        elif src in DNP3_PORTS and dst not in DNP3_PORTS:
            port_dir = "from_outstation"
        frags_here = 0
        for proto in dnp3_protos:
            link_frames += 1
            ctl_dir = first_named(proto, "dnp3.ctl.dir")
            prm = first_named(proto, "dnp3.ctl.prm")
            dir_bit = int(ctl_dir.get("show")) if ctl_dir is not None else None
            prm_bit = int(prm.get("show")) if prm is not None else None
            if prm_bit == 1:
                fc = first_named(proto, "dnp3.ctl.prifunc")
                if fc is not None:
                    link_functions["primary:%s" % fc.get("show")] += 1
            elif prm_bit == 0:
                fc = first_named(proto, "dnp3.ctl.secfunc")
                if fc is not None:
                    link_functions["secondary:%s" % fc.get("show")] += 1
            for f in descendants_named(proto, "dnp.hdr.CRC.status"):
                header_crc[f.get("show")] += 1
            for f in descendants_named(proto, "dnp.data_chunk.CRC.status"):
                chunk_crc[f.get("show")] += 1
            trc = first_named(proto, "dnp3.tr.ctl")
            if trc is not None:
                transport_segments += 1
                fir = first_named(trc, "dnp3.tr.fir").get("show")
                fin = first_named(trc, "dnp3.tr.fin").get("show")
                if not (fir == "1" and fin == "1"):
                    transport_not_fir_fin += 1
                # Independent check of tshark's transport reassembly: IEEE 1815 sec. 8.2 rules,
                # per (IP flow, link source, link destination); FIR starts a fragment, a non-FIR
                # segment continues it only with sequence = previous + 1 mod 64, FIN completes it.
                seq = int(first_named(trc, "dnp3.tr.seq").get("show"))
                key = (stream, src, dst, first_named(proto, "dnp3.src").get("show"),
                       first_named(proto, "dnp3.dst").get("show"))
                if fir == "1":
                    sim_open[key] = seq
                elif key in sim_open and seq == (sim_open[key] + 1) % 64:
                    sim_open[key] = seq
                else:
                    sim_open.pop(key, None)
                    sim_dropped.append(frame)
                if fin == "1" and key in sim_open:
                    del sim_open[key]
                    sim_fragments["%s" % ("request" if dir_bit == 1 else "response")] += 1
            for ex in descendants_named(proto, "_ws.expert"):
                for c in children(ex):
                    n = fname(c)
                    if n.startswith("dnp3."):
                        expert[n] += 1
            funcs = descendants_named(proto, "dnp3.al.func")
            if not funcs:
                continue
            if len(funcs) > 1:
                problems.append("frame %s: %d dnp3.al.func in one link frame" % (frame, len(funcs)))
            frags_here += 1
            al_fc = int(funcs[0].get("show"))
            d = "request" if dir_bit == 1 else "response"
            fragments["%s:%d" % (d, al_fc)] += 1
            uns = first_named(proto, "dnp3.al.uns")
            if uns is not None and uns.get("show") == "1":
                uns_fragments += 1
            if port_dir is not None:
                dir_vs_port["DIR=%s %s" % (dir_bit, port_dir)] += 1
            # Object headers: every dnp3.al.obj in this link frame's application layer.
            for obj in descendants_named(proto, "dnp3.al.obj"):
                if descendants_named(obj, "dnp3.al.obj"):
                    problems.append("frame %s: nested dnp3.al.obj" % frame)
                value = int(obj.get("show"), 16)
                group, var = value >> 8, value & 0xFF
                qual = None
                n_items = None
                for c in children(obj):
                    s = fshow(c) if not fname(c) else fname(c)
                    if fname(c) == "" and s.startswith("Qualifier Field"):
                        qual = c.get("value")
                    m = re.match(r"Number of Items: (-?\d+)", fshow(c)) if fname(c) == "" else None
                    if m:
                        n_items = int(m.group(1))
                if qual is None:
                    pre = first_named(obj, "dnp3.al.objq.prefix")
                    rng = first_named(obj, "dnp3.al.objq.range")
                    if pre is not None and rng is not None:
                        qual = "%02x" % ((int(pre.get("show")) << 4) | int(rng.get("show")))
                    else:
                        qual = "--"   # header cut off after the object type (documented)
                key = obj_key(group, var, qual.lower())
                headers[key] += 1
                # A listed point is a child item "Point Number N ..." holding dnp3.al.point_index
                # (range or count qualifiers) or dnp3.al.index (index-prefixed qualifiers).
                n_points = 0
                n_sized = 0
                for c in children(obj):
                    sub = {fname(g) for g in children(c)}
                    if "dnp3.al.point_index" in sub or "dnp3.al.index" in sub:
                        n_points += 1
                        if not fshow(c).startswith("Point Number"):
                            problems.append("frame %s %s: point item %r" % (frame, key, fshow(c)[:40]))
                    elif fname(c) == "" and fshow(c).startswith("Object: Size"):
                        n_sized += 1
                points += n_points
                sized_objects += n_sized
                if n_points:
                    points_by_header[key] += n_points
                if n_sized:
                    sized_by_header[key] += n_sized
                if n_items is not None and n_items > 0:
                    range_objects += n_items
        if frags_here > 1:
            frames_with_multiple_fragments += 1
        pkt.clear()
    proc.wait()
    if proc.returncode:
        raise RuntimeError("tshark failed on %s" % pcap)

    bad_crc = header_crc.get("0", 0) + chunk_crc.get("0", 0)
    good_crc = header_crc.get("1", 0) + chunk_crc.get("1", 0)
    other = {k: v for k, v in list(header_crc.items()) + list(chunk_crc.items()) if k not in ("0", "1")}
    if other:
        problems.append("CRC status values other than good/bad: %s" % other)
    entry = {
        "packets": packets,
        "dnp3Frames": dnp3_frames,
        "linkFrames": link_frames,
        "linkFunctions": counter_json(link_functions),
        "transportSegments": transport_segments,
        "transportSegmentsNotFirFin": transport_not_fir_fin,
        "applicationFragments": counter_json(fragments),
        "unsolicitedFragments": uns_fragments,
        "objectHeaders": counter_json(headers),
        "points": points,
        "pointsByObjectHeader": counter_json(points_by_header),
        "rangeObjects": range_objects,
        "sizePrefixedObjects": sized_objects,
        "sizePrefixedObjectsByHeader": counter_json(sized_by_header),
        "goodCRC": good_crc,
        "badCRC": bad_crc,
        "malformed": malformed_frames,
        "malformedFrames": malformed_frame_numbers,
        "expert": counter_json(expert),
        "transport": sorted(t for t in transports if t),
    }
    tshark_by_dir = collections.Counter()
    for k, v in fragments.items():
        tshark_by_dir[k.split(":")[0]] += v
    sim = {}
    if dict(sim_fragments) != dict(tshark_by_dir):
        sim = {"fragments_by_transport_rules": counter_json(sim_fragments),
               "fragments_tshark_decoded": counter_json(tshark_by_dir)}
    if sim_dropped:
        sim["segments_not_continuing_a_fragment"] = sim_dropped
    extra = {
        "problems": problems,
        "transport_rules_check": sim,
        "dir_bit_vs_port": counter_json(dir_vs_port),
        "malformed_frames_with_dnp3": malformed_dnp3_frames,
        "frames_with_more_than_one_fragment": frames_with_multiple_fragments,
    }
    return entry, extra


# ----------------------------------------------------------- MANIFEST check


def manifest_figures(path):
    figs = {}
    section = None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"## .*\(`(\w+)/`\)", line)
        if m:
            section = m.group(1)
        if not line.startswith("| `") or "**tshark:**" not in line:
            continue
        cols = [c.strip() for c in line.split("|")]
        name = cols[1].strip("`")
        t = line.split("**tshark:**", 1)[1]
        m = re.search(r"DNP3 frames (\d+)", t)
        if not m:
            continue
        f = {"section": section, "packets": int(cols[5]), "dnp3Frames": int(m.group(1))}
        m = re.search(r"AL \{([^}]*)\}", t)
        f["al"] = {int(a): int(b) for a, b in re.findall(r"(\d+):[^,}]*?x(\d+)", m.group(1))} if m else {}
        m = re.search(r"CRC goodx(\d+)", t)
        f["goodCRC"] = int(m.group(1)) if m else None
        m = re.search(r"tshark malformed frames: (\d+)", t)
        f["malformed"] = int(m.group(1)) if m else 0
        m = re.search(r"objects ([g0-9v,]+)", t)
        f["objects"] = sorted(set(m.group(1).split(","))) if m else []
        m = re.search(r"(\d+) transport segments not FIR\+FIN", t)
        f["notFirFin"] = int(m.group(1)) if m else 0
        m = re.search(r"UNS-flag frames (\d+)", t)
        f["uns"] = int(m.group(1)) if m else 0
        figs[name] = f
    return figs


def compare_manifest(entry, man):
    if man is None:
        return ["no tshark DNP3 figures in MANIFEST.md"]
    d = []
    for k in ("packets", "dnp3Frames", "goodCRC", "malformed"):
        if man[k] is not None and entry[k] != man[k]:
            d.append("%s: ours %s, MANIFEST %s" % (k, entry[k], man[k]))
    al = collections.Counter()
    for k, v in entry["applicationFragments"].items():
        al[int(k.split(":")[1])] += v
    if dict(al) != man["al"]:
        d.append("AL function counts: ours %s, MANIFEST %s" % (dict(sorted(al.items())), man["al"]))
    objs = sorted({re.sub(r"q.*$", "", k) for k in entry["objectHeaders"]})
    # MANIFEST lists at most the first 8 object types tshark met, so only check it is a subset.
    missing = sorted(set(man["objects"]) - set(objs))
    if missing:
        d.append("MANIFEST object types we do not see: %s" % missing)
    if entry["transportSegmentsNotFirFin"] != man["notFirFin"]:
        d.append("transport segments not FIR+FIN: ours %s, MANIFEST %s"
                 % (entry["transportSegmentsNotFirFin"], man["notFirFin"]))
    return d


# ------------------------------------------------------------- Zeek / ICSNPP

# Argument names of the events printed by zeek/zeek
# testing/btest/scripts/base/protocols/dnp3/events.zeek (all the DNP3 baselines
# stored here come from that script), after the event name and is_orig.
ZEEK_EVENT_ARGS = {
    "dnp3_header_block": ["len", "ctrl", "dest_addr", "src_addr"],
    "dnp3_application_request_header": ["application_control", "fc"],
    "dnp3_application_response_header": ["application_control", "fc", "iin"],
    "dnp3_object_header": ["obj_type", "qua_field", "number", "rf_low", "rf_high"],
    "dnp3_object_prefix": ["prefix_value"],
    "dnp3_response_data_object": ["data_value"],
    "dnp3_attribute_common": ["data_type_code", "leng", "attribute_obj"],
    "dnp3_crob": ["control_code", "count8", "on_time", "off_time", "status_code"],
    "dnp3_pcb": ["control_code", "count8", "on_time", "off_time", "status_code"],
    "dnp3_counter_32wFlag": ["flag", "count_value"],
    "dnp3_counter_16wFlag": ["flag", "count_value"],
    "dnp3_counter_32woFlag": ["count_value"],
    "dnp3_counter_16woFlag": ["count_value"],
    "dnp3_frozen_counter_32wFlag": ["flag"],
    "dnp3_frozen_counter_16wFlag": ["flag"],
    "dnp3_frozen_counter_32wFlagTime": ["flag"],
    "dnp3_frozen_counter_16wFlagTime": ["flag"],
    "dnp3_frozen_counter_32woFlag": ["count_value"],
    "dnp3_frozen_counter_16woFlag": ["count_value"],
    "dnp3_analog_input_32wFlag": ["flag", "value"],
    "dnp3_analog_input_16wFlag": ["flag", "value"],
    "dnp3_analog_input_32woFlag": ["value"],
    "dnp3_analog_input_16woFlag": ["value"],
    "dnp3_analog_input_SPwFlag": ["flag", "value"],
    "dnp3_analog_input_DPwFlag": ["flag", "value_low", "value_high"],
    "dnp3_analog_input_event_32woTime": ["flag", "value"],
    "dnp3_analog_input_event_16woTime": ["flag", "value"],
    "dnp3_analog_input_event_32wTime": ["flag", "value", "time48"],
    "dnp3_analog_input_event_16wTime": ["flag", "value", "time48"],
    "dnp3_file_transport": ["file_handle", "block_num"],
}
# Events that carry the value of the object announced by the last dnp3_object_prefix.
ZEEK_VALUE_EVENTS = {k for k in ZEEK_EVENT_ARGS if k not in (
    "dnp3_header_block", "dnp3_application_request_header", "dnp3_application_response_header",
    "dnp3_object_header", "dnp3_object_prefix", "dnp3_response_data_object")}

PREFIX_INDEX_QUALIFIERS = {0x17, 0x28, 0x39}
RANGE_QUALIFIERS = {0x00, 0x01, 0x02}


def zeek_rows(path):
    fields = []
    rows = []
    unset = "-"
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line.startswith("#unset_field"):
            unset = line.split("\t")[1]
        elif line and not line.startswith("#"):
            vals = line.split("\t")
            rows.append({k: (None if v == unset else v) for k, v in zip(fields, vals)})
    return rows


def as_int(s):
    return None if s is None else int(s)


def as_bool(s):
    return None if s is None else (s == "T")


def zeek_count(s):
    """A Zeek 'count' printed by the events script: returned as an int; counts >= 2**63 (negative
    32-bit values that Zeek sign-extended to 64 bits) are returned as the signed 64-bit value."""
    v = int(s)
    return v - (1 << 64) if v >= (1 << 63) else v


def parse_hexdump(text):
    """Zeek's hexdump() output as printed by events.zeek: lines joined with the escape \\x0a.
    Each line: 4 hex digits offset, 2 spaces, 8 bytes as '%02x ', 1 space, 8 bytes, ascii."""
    data = bytearray()
    for line in text.split("\\x0a"):
        if not line.strip():
            continue
        if not re.match(r"[0-9a-f]{4}  ", line):
            raise ValueError("unexpected hexdump line %r" % line[:40])
        cols = line[6:6 + 24] + line[6 + 25:6 + 49]
        for tok in cols.split():
            data.append(int(tok, 16))
    return bytes(data)


def parse_zeek_events(path):
    """The Zeek events file as application fragments, in file order.
    Each dnp3_header_block starts a fragment; dnp3_object_header starts an object header inside it;
    dnp3_object_prefix starts an object inside that header; value events and dnp3_response_data_object
    attach to the current object."""
    frags = []
    cur = hdr = obj = None
    lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
    unattached = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line.startswith("###"):
            continue
        parts = [p.strip() for p in line.split(",")]
        ev = parts[0]
        if ev not in ZEEK_EVENT_ARGS:
            unattached.append(line[:60])
            continue
        is_orig = parts[1] == "T"
        names = ZEEK_EVENT_ARGS[ev]
        vals = parts[2:2 + len(names)]
        if len(vals) != len(names):
            raise ValueError("%s: %r has %d args, expected %d" % (path, line, len(vals), len(names)))
        args = dict(zip(names, [zeek_count(v) for v in vals]))
        if ev == "dnp3_header_block":
            cur = {"isOrig": is_orig, "link": {"len": args["len"], "ctrl": args["ctrl"],
                                               "dest": args["dest_addr"], "src": args["src_addr"]},
                   "objectHeaders": []}
            frags.append(cur)
            hdr = obj = None
            continue
        if cur is None or cur["isOrig"] != is_orig:
            unattached.append(line[:60])
            continue
        if ev == "dnp3_application_request_header":
            cur["application"] = {"kind": "request", "control": args["application_control"],
                                  "fc": args["fc"]}
        elif ev == "dnp3_application_response_header":
            cur["application"] = {"kind": "response", "control": args["application_control"],
                                  "fc": args["fc"], "iin": args["iin"]}
        elif ev == "dnp3_object_header":
            t = args["obj_type"]
            hdr = {"objType": t, "group": t >> 8, "variation": t & 0xFF, "qualifier": args["qua_field"],
                   "key": obj_key(t >> 8, t & 0xFF, "%02x" % args["qua_field"]),
                   "number": args["number"], "rangeLow": args["rf_low"], "rangeHigh": args["rf_high"],
                   "objects": []}
            cur["objectHeaders"].append(hdr)
            obj = None
        elif ev == "dnp3_object_prefix":
            if hdr is None:
                unattached.append(line[:60])
                continue
            obj = {"prefix": args["prefix_value"]}
            hdr["objects"].append(obj)
        elif ev == "dnp3_response_data_object":
            if obj is None or "dataValue" in obj:
                unattached.append(line[:60])
                continue
            obj["dataValue"] = args["data_value"]
        else:
            if obj is None or "event" in obj:
                unattached.append(line[:60])
                continue
            obj["event"] = ev
            obj.update(args)
            if ev == "dnp3_file_transport":
                # the next line is print hexdump(file_data)
                data = parse_hexdump(lines[i]) if i < len(lines) else b""
                i += 1
                obj["fileDataHex"] = data.hex()
                obj["fileDataLength"] = len(data)
    # Derived point index (documented in _about): only where the log fixes it unambiguously.
    for f in frags:
        for h in f["objectHeaders"]:
            q = h["qualifier"]
            objs = h["objects"]
            if q in PREFIX_INDEX_QUALIFIERS:
                for o in objs:
                    o["index"] = o["prefix"]
            elif q in RANGE_QUALIFIERS and objs and len(objs) == h["number"] \
                    and h["rangeHigh"] - h["rangeLow"] + 1 == h["number"]:
                for n, o in enumerate(objs):
                    o["index"] = h["rangeLow"] + n
    return frags, unattached


def columnar(frags):
    """Per object header, turn the list of objects into columns (one array per field, in object order;
    null where an object lacks a field that others in the same header have) and add objectCount."""
    problems = []
    for f in frags:
        for h in f["objectHeaders"]:
            objs = h.pop("objects")
            h["objectCount"] = len(objs)
            if not objs:
                continue
            keys = sorted({k for o in objs for k in o})
            cols = {}
            for k in keys:
                vals = [o.get(k) for o in objs]
                if k == "event":
                    if len(set(vals)) == 1:
                        cols[k] = vals[0]
                        continue
                    problems.append("%s: several value events in one header" % h["key"])
                cols[k] = vals
                if None in vals:
                    problems.append("%s: %s missing for some objects" % (h["key"], k))
            h["objects"] = cols
    return problems


def zeek_summary(frags):
    hdrs = collections.Counter()
    objs = collections.Counter()
    evs = collections.Counter()
    app = collections.Counter()
    for f in frags:
        a = f.get("application")
        if a:
            app["%s:%d" % ("request" if f["isOrig"] else "response", a["fc"])] += 1
        for h in f["objectHeaders"]:
            hdrs[h["key"]] += 1
            objs[h["key"]] += len(h["objects"])
            for o in h["objects"]:
                if "event" in o:
                    evs[o["event"]] += 1
    return {"applicationHeadersByOrigAndFc": counter_json(app), "objectHeaders": counter_json(hdrs),
            "objectsByHeader": counter_json(objs), "valueEvents": counter_json(evs)}


def dnp3_log(path):
    return [{"orig_p": as_int(r["id.orig_p"]), "resp_p": as_int(r["id.resp_p"]),
             "fc_request": r["fc_request"], "fc_reply": r["fc_reply"], "iin": as_int(r["iin"])}
            for r in zeek_rows(path)]


# (output column, log field, conversion)
ICSNPP_CONTROL_FIELDS = [
    ("is_orig", "is_orig", as_bool), ("orig_p", "id.orig_p", as_int), ("resp_p", "id.resp_p", as_int),
    ("block_type", "block_type", str), ("function_code", "function_code", str),
    ("index_number", "index_number", as_int), ("trip_control_code", "trip_control_code", str),
    ("operation_type", "operation_type", str), ("clear_bit", "clear_bit", as_bool),
    ("execute_count", "execute_count", as_int), ("on_time", "on_time", as_int),
    ("off_time", "off_time", as_int), ("status_code", "status_code", str)]
ICSNPP_OBJECTS_FIELDS = [
    ("is_orig", "is_orig", as_bool), ("orig_p", "id.orig_p", as_int), ("resp_p", "id.resp_p", as_int),
    ("function_code", "function_code", str), ("object_type", "object_type", str),
    ("object_count", "object_count", as_int), ("range_low", "range_low", as_int),
    ("range_high", "range_high", as_int)]


def table(rows, spec):
    """A log as {"fields": [column names], "rows": [[values in that order], ...]} (log order)."""
    return {"fields": [c for c, _, _ in spec],
            "rows": [[None if r[f] is None else conv(r[f]) for _, f, conv in spec] for r in rows]}


def build_zeek(pcaps):
    d = os.path.join(pcaps, "dnp3")
    out = {}
    problems = {}
    names = sorted({f.split(".expected.")[0] for f in os.listdir(d)
                    if ".expected.zeek." in f or ".expected.icsnpp." in f})
    for stem in names:
        e = {"pcap": stem + ".pcap", "path": "dnp3/%s.pcap" % stem}
        p = os.path.join(d, stem + ".expected.zeek.dnp3.log")
        if os.path.exists(p):
            e["zeekDnp3Log"] = dnp3_log(p)
        p = os.path.join(d, stem + ".expected.zeek.events.txt")
        if os.path.exists(p):
            frags, unattached = parse_zeek_events(p)
            e["zeekEventsSummary"] = zeek_summary(frags)
            notes = unattached + columnar(frags)
            e["zeekEvents"] = frags
            if notes:
                problems[stem] = notes
        p = os.path.join(d, stem + ".expected.icsnpp.dnp3.log")
        if os.path.exists(p):
            e["icsnppDnp3Log"] = dnp3_log(p)
        p = os.path.join(d, stem + ".expected.icsnpp.dnp3_control.log")
        if os.path.exists(p):
            e["icsnppControl"] = table(zeek_rows(p), ICSNPP_CONTROL_FIELDS)
        p = os.path.join(d, stem + ".expected.icsnpp.dnp3_objects.log")
        if os.path.exists(p):
            e["icsnppObjects"] = table(zeek_rows(p), ICSNPP_OBJECTS_FIELDS)
        out[stem + ".pcap"] = e
    return out, problems


# ------------------------------------------------------------------- output


def dumps(obj, indent=0):
    """json.dumps(sort_keys=True, indent=2), except that an array holding only scalars, and an object
    holding only scalars that fits in 160 characters, is written on one line (keeps the long
    per-object columns and log rows readable)."""
    def scalar(v):
        return not isinstance(v, (dict, list))
    pad = "  " * indent
    pad1 = "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if all(scalar(v) for v in obj.values()):
            one = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
            if len(one) <= 160:
                return one
        items = ["%s%s: %s" % (pad1, json.dumps(k, ensure_ascii=False), dumps(obj[k], indent + 1))
                 for k in sorted(obj)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if not obj:
            return "[]"
        if all(scalar(v) for v in obj):
            return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
        return "[\n" + ",\n".join(pad1 + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


ABOUT_TSHARK = {
    "tool": None,  # filled in
    "captures": (
        "Every capture in the shared pcaps folder in which tshark decodes at least one DNP3 link frame: all "
        "of dnp3/*.pcap. mixed/iti-mb2.pcap (the only mixed capture) holds no DNP3 (no frame on tcp/udp "
        "20000, and none even with the dnp3 TCP/UDP heuristic dissectors enabled). Keys are file names; "
        "'path' is the path relative to the pcaps folder. NULL/BSD-loopback (iti-opendnp3-conf-*) and RAW "
        "IPv4 (sv-dnp3-flood) link types decode like Ethernet."),
    "how_made": (
        "tshark -r F -T pdml, default preferences (DNP3 on tcp.port/udp.port 20000 per 'tshark -G decodes'; "
        "no -d needed; heuristics off), single pass (no -2). In PDML each DNP3 link frame is one "
        "<proto name='dnp3'>; a TCP segment carrying several link frames yields several, and a link frame "
        "split over TCP segments appears once, in the segment that completes it."),
    "fields": {
        "packets": "frames in the file",
        "dnp3Frames": "frames with at least one dnp3 proto",
        "linkFrames": ("DNP3 link frames decoded (one per <proto name='dnp3'>), including link-only frames "
                       "without user data (e.g. REQUEST_LINK_STATUS, ACK) and transport segments that do not "
                       "complete a fragment"),
        "linkFunctions": ("link frames per link function: 'primary:<dnp3.ctl.prifunc>' when PRM=1, "
                          "'secondary:<dnp3.ctl.secfunc>' when PRM=0 (4 = unconfirmed user data, 3 = confirmed "
                          "user data, 9 = request link status, 11 = link status, 0 = ack/reset link)"),
        "transportSegments": "link frames with user data (a dnp3.tr.ctl transport header)",
        "transportSegmentsNotFirFin": "transport segments whose FIR and FIN are not both set",
        "applicationFragments": (
            "reassembled application fragments that tshark decoded an application layer for (dnp3.al.func "
            "present), counted once each (tshark puts dnp3.al.* only in the link frame that completes the "
            "transport reassembly), keyed 'request:<fc>' if that link frame's DIR bit (dnp3.ctl.dir) is 1 "
            "(from master) and 'response:<fc>' if DIR is 0; fc = dnp3.al.func in decimal. So a master "
            "Confirm (fc 0) is 'request:0' and an outstation Confirm would be 'response:0'. Transport "
            "segments whose fragment tshark never completes are not counted."),
        "unsolicitedFragments": "those fragments with the application-control UNS bit (dnp3.al.uns) set",
        "objectHeaders": (
            "object headers per 'g<group>v<variation>q<qualifier as 2 lowercase hex digits>' summed over all "
            "decoded fragments: every dnp3.al.obj (group = value >> 8, variation = value & 0xff); the "
            "qualifier is the raw byte of the 'Qualifier Field' tree item (reserved bit 7 included, e.g. "
            "q5b = 2-octet object-size prefix + free-format 1-octet count). Unknown objects count like the "
            "others (e.g. g255v0, g120v3); a header cut short by a malformed fragment counts if tshark shows "
            "its dnp3.al.obj, with qualifier '--' if the fragment ends before the qualifier octet. tshark 4.0 "
            "does not dissect the objects of some function codes at all (seen here: 18 Stop Application, 22 "
            "Assign Class, 32 Authentication Request, 131 Authentication Response, undefined 112): their "
            "fragments count in applicationFragments but add no header; see incomplete_decodes."),
        "points": (
            "number of objects tshark decoded and listed one by one, each with its value: the 'Point Number "
            "N' items under an object header, i.e. items holding dnp3.al.point_index (range and count "
            "qualifiers) or dnp3.al.index (index-prefixed qualifiers q17/q28/q39). These are the data points "
            "of responses, unsolicited responses and writes (binary/double-bit/counter/analog values and their "
            "events, IIN g80v1, time g50, CTO g51, time delay g52, g0 device attributes) and the command "
            "objects of Select/Operate/Direct Operate requests and their echoes (CROB g12v1, analog output "
            "g41); unknown objects that tshark lists as 'Point Number N' with an unknown data chunk count too. "
            "Headers that only name points (READ requests with a range, q06 'all points', class polls, "
            "freeze/enable/disable requests) list none. Bit-packed objects (g1v1, g10v1, g80v1) give one point "
            "per bit. Size-prefixed free-format objects (q5b: g70 file objects, g85/g86 data sets, g120 auth) "
            "are not points: see sizePrefixedObjects."),
        "sizePrefixedObjects": ("number of 'Object: Size N' items tshark listed (objects with a size prefix, "
                                "q5b and the like); sizePrefixedObjectsByHeader per header key"),
        "pointsByObjectHeader": "the same per object-header key (keys with 0 points omitted)",
        "rangeObjects": (
            "sum over all object headers of tshark's 'Number of Items' (stop - start + 1 of a range, or the "
            "count field; 0 for q06, negative counts ignored). Counts READ-request ranges too; in well-formed "
            "captures it equals points + sizePrefixedObjects plus the items of read ranges. Meaningless in "
            "iti-openics-DNP3-Malformed (random ranges)."),
        "goodCRC": "link-header plus data-chunk CRCs tshark marks Good (dnp.hdr.CRC.status / dnp.data_chunk.CRC.status == 1)",
        "badCRC": "link-header plus data-chunk CRCs tshark marks Bad (status 0); 0 in every capture",
        "malformed": "frames flagged _ws.malformed (any protocol; in these captures always the DNP3 dissector)",
        "malformedFrames": "their frame numbers",
        "expert": ("DNP3 expert items per field name (dnp3.iin_abnormal, dnp3.unknown_object, "
                   "dnp3.unknown_group0_variation, dnp3.num_items_neg, ...) over all link frames"),
        "transport": "IP transports DNP3 was decoded over",
    },
    "incomplete_decodes_doc": (
        "incomplete_decodes lists every capture where tshark's decode is known incomplete or wrong: 'auto' = "
        "malformed frames and DNP3 expert items that mark undecoded objects; 'note' = what was found by "
        "reading the frames and the raw application-layer bytes; 'correction' = what must be ADDED to the "
        "capture's figure (same keys and units; negative = tshark counts something that is not in the bytes) "
        "to get what the bytes hold, where it is known. The figures themselves are always tshark's."),
    "incomplete_decodes": None,   # filled in
    "self_checks_doc": (
        "self_checks (only non-empty items): dir_bit_vs_port = fragments by link DIR bit vs. the port "
        "direction (to/from port 20000; flows with 20000 on both ends are left out) - never contradictory "
        "here; transport_rules_check = present only when re-assembling the transport segments by the IEEE 1815 "
        "rules (per IP flow and link address pair, FIR starts, sequence + 1 mod 64 continues, FIN completes) "
        "gives other per-direction fragment counts than tshark decoded (only icsnpp-dnp3_example, see "
        "incomplete_decodes); malformed_frames_with_dnp3 = malformed frames that have a dnp3 tree; problems = "
        "anything the script could not classify (none)."),
    "self_checks": None,          # filled in
    "manifest_crosscheck": None,  # filled in
}

ABOUT_ZEEK = {
    "what": (
        "Values asserted by the Zeek and ICSNPP btest baselines stored beside the DNP3 captures "
        "(../shared/pcaps/dnp3), parsed from the text by make-tshark-dnp3.py; nothing is recomputed or run. "
        "Keys are capture file names; 'path' is relative to the pcaps folder. Zeek baselines come from "
        "zeek/zeek a13de64fbbdb (testing/btest/Baseline/scripts.base.protocols.dnp3.*), ICSNPP from "
        "cisagov/icsnpp-dnp3 6e997bfc9445 (testing/baseline/analyzer.basic); see MANIFEST.md."),
    "zeekDnp3Log": (
        "From <capture>.expected.zeek.dnp3.log: one entry per log line, in order: fc_request, fc_reply "
        "(Zeek's function-code names, e.g. READ / RESPONSE / UNSOLICITED_RESPONSE; null where the log has "
        "'-', i.e. no request or no reply was seen), iin (the response IIN as a 16-bit number, first octet "
        "IIN1 in the high byte, e.g. 36864 = 0x9000 = IIN1.7 device restart + IIN1.4 need time; null if "
        "'-'), orig_p/resp_p (connection ports)."),
    "zeekEvents": (
        "From <capture>.expected.zeek.events.txt (output of zeek/zeek testing/btest/scripts/base/protocols/"
        "dnp3/events.zeek, which prints each event's arguments in order). One entry per application fragment "
        "Zeek parsed, in file order: isOrig = the connection originator sent it (Zeek's is_orig, NOT the link "
        "DIR bit); link = dnp3_header_block (len, ctrl, dest, src of the first link header of the fragment); "
        "application = dnp3_application_request_header (kind 'request', control = application control "
        "octet, fc) or dnp3_application_response_header (kind 'response', control, fc, iin); objectHeaders = "
        "each dnp3_object_header: objType (group << 8 | variation as printed), group, variation, qualifier "
        "(the qualifier octet, decimal), key ('g<g>v<v>q<hex>' as in tshark-dnp3.json), number, rangeLow, "
        "rangeHigh (Zeek's rf_low/rf_high exactly as printed: 65535/65535 for q06, count/0 for q07/q5b, and "
        "for q28 Zeek prints rf_low = the 2-octet count read big-endian, 256 * count, rf_high 0 - a Zeek "
        "quirk, not the range), objectCount = number of dnp3_object_prefix events after the header (Zeek "
        "prints one per object; for bit-packed g1v1 one per octet of 8 points, so 128 for 1024 points); "
        "objects = the objects as COLUMNS: each key holds an array with one entry per object in order "
        "(entry n of every array belongs to object n), except 'event', a single string naming the value "
        "event every object of the header printed. Columns: prefix (Zeek's "
        "prefix_value: the index for q17/q28/q39, the object size for q5b, 0 when the qualifier has no "
        "prefix), dataValue (dnp3_response_data_object's data_value, only when Zeek printed one: the flag "
        "octet of g1v2/g10v2 points (bit 7 = state), one packed octet of 8 points for g1v1 and other bit-"
        "packed objects, 255 for objects without a flag octet), and the arguments of the value event, named "
        "as in events.zeek: dnp3_analog_input_32wFlag / _SPwFlag / _event_32woTime -> flag, value; "
        "dnp3_analog_input_32woFlag -> value; dnp3_counter_32woFlag / dnp3_frozen_counter_32woFlag -> "
        "count_value; dnp3_crob -> control_code, count8, on_time, off_time, status_code; "
        "dnp3_file_transport -> file_handle, block_num, plus fileDataHex / fileDataLength = its file_data "
        "read back from the hexdump line printed after it. For _SPwFlag, value is the IEEE-754 single "
        "precision bit pattern as Zeek printed it (a count), not the float. "
        "index is DERIVED, not printed by Zeek: = prefix for q17/q28/q39; = rangeLow + position for "
        "q00/q01/q02 when the header has exactly number objects (one per point); absent otherwise (bit-"
        "packed objects, q06/q07/q5b). Counts printed as >= 2**63 are negative values Zeek sign-extended "
        "to 64 bits and are given as the signed 64-bit value (e.g. 18446744073709539627 -> -11989)."),
    "zeekEventsSummary": ("Counts over zeekEvents: applicationHeadersByOrigAndFc ('request:<fc>' = "
                          "isOrig, 'response:<fc>' = not isOrig), objectHeaders and objectsByHeader per key, "
                          "valueEvents per event name."),
    "icsnppDnp3Log": "From icsnpp-dnp3_example.expected.icsnpp.dnp3.log, same fields as zeekDnp3Log.",
    "icsnppControl": (
        "From icsnpp-dnp3_example.expected.icsnpp.dnp3_control.log as a table: fields = column names, rows = "
        "one array per log line in log order (one per CROB object), values in the order of fields: is_orig, orig_p/resp_p, block_type, function_code (SELECT / OPERATE in requests, "
        "RESPONSE in replies), index_number (point index), trip_control_code (Nul/Close/Trip), "
        "operation_type (e.g. 'Pulse On', 'Pulse Off', 'Latch On'), clear_bit, execute_count (CROB count), "
        "on_time, off_time (ms), status_code (null in requests where the log has '-', e.g. 'Success' in "
        "responses)."),
    "icsnppObjects": (
        "From icsnpp-dnp3_example.expected.icsnpp.dnp3_objects.log as a table like icsnppControl (one row per "
        "object header, log order): is_orig, orig_p/resp_p, function_code, object_type (ICSNPP's object name, e.g. "
        "'Binary Input With Status' = g1v2, 'Binary Output Status' = g10v2, '16-Bit Analog Input' = g30v2, "
        "'16-Bit Analog Output Status' = g40v2, 'Class 0 Data' = g60v1, 'Class 1/2/3 Data' = g60v2/3/4), "
        "object_count, range_low, range_high (null where '-', i.e. q06 class reads)."),
    "problems": None,  # filled in
}


def build_tshark(args, version):
    pcaps = args.pcaps
    man = manifest_figures(os.path.join(pcaps, "MANIFEST.md"))
    files = []
    for sub in ("dnp3", "mixed"):
        for f in sorted(os.listdir(os.path.join(pcaps, sub))):
            if f.endswith(".pcap") or f.endswith(".pcapng"):
                files.append(sub + "/" + f)
    captures = {}
    checks = {}
    cross = {}
    skipped = []
    for rel in files:
        entry, extra = analyse(os.path.join(pcaps, rel))
        if entry["linkFrames"] == 0:
            skipped.append(rel)
            continue
        name = os.path.basename(rel)
        entry["path"] = rel
        captures[name] = entry
        diffs = compare_manifest(entry, man.get(name))
        cross[name] = diffs or "agrees"
        checks[name] = {k: v for k, v in extra.items() if v}
        print("%-44s links %4d frags %s hdrs %d pts %d mal %d%s" % (
            name, entry["linkFrames"], sum(entry["applicationFragments"].values()),
            sum(entry["objectHeaders"].values()), entry["points"], entry["malformed"],
            ("  MANIFEST: " + " | ".join(diffs)) if diffs else ""), file=sys.stderr)
    about = dict(ABOUT_TSHARK)
    about["tool"] = version.rstrip(".") + "; default preferences; single pass"
    about["captures_without_dnp3"] = skipped
    about["self_checks"] = checks
    about["manifest_crosscheck"] = cross
    about["incomplete_decodes"] = incomplete_notes(captures)
    captures["_about"] = about
    return captures


def incomplete_notes(captures):
    """Machine-made list of captures where tshark's decode is known incomplete, plus the
    hand-written explanations in INCOMPLETE (checked against the figures)."""
    out = {}
    for name, e in sorted(captures.items()):
        reasons = []
        if e["malformed"]:
            reasons.append("%d frame(s) flagged malformed: %s" % (e["malformed"], e["malformedFrames"]))
        for k in ("dnp3.unknown_object", "dnp3.unknown_group0_variation", "dnp3.num_items_neg",
                  "dnp3.num_items_invalid", "dnp3.invalid_length"):
            if e["expert"].get(k):
                reasons.append("%s x%d" % (k, e["expert"][k]))
        if reasons or name in INCOMPLETE:
            out[name] = dict(INCOMPLETE.get(name, {}))
            out[name]["auto"] = reasons
    return out


# Hand-written, after reading the figures, tshark -V of the frames concerned and the raw
# application-layer bytes. "correction" = what must be ADDED to the tshark figure to get what
# the bytes hold (negative = tshark counts something that is not there); absent = no correction
# known / not meaningful.
INCOMPLETE = {
    "icsnpp-dnp3_example.pcap": {
        "note": (
            "tshark 4.0 DNP3 transport reassembly does not handle the transport sequence wrapping from 63 to 0: "
            "the multi-segment fragments in frames 17-18, 113-114 and 209-210 (FIR seq 63, FIN seq 0; Responses "
            "to integrity Reads, g1v2/g10v2/g30v2/g40v2 q00, 194 points each) and 808-810 (FIR seq 62 .. FIN "
            "seq 0; Unsolicited Response, g2v2 q17, 90 events) are never completed. The orphan FIN segment of "
            "frame 210 (seq 0, link 5 -> 100) then stays in tshark's reassembly table and is merged with the "
            "single-segment (FIR+FIN seq 0) fragment of frame 311 in another TCP connection (same link "
            "addresses): 'Fragment overlap, conflicting data', and tshark decodes 49 zero bytes as an "
            "application layer with control 0x00 and function Confirm (0) - so 'response:0' is bogus; frame 311 "
            "really is a Response (129) to the Operate of frame 310 with one g12v1 q17 CROB echo. "
            "The corrections come from re-assembling every fragment from the data chunks by the IEEE 1815 "
            "transport rules (sequence mod 64) and parsing it: all other 723 fragments give exactly tshark's "
            "function codes and object headers, and every fragment parses to its exact length. With them the "
            "counts agree with ICSNPP: 97 responses of each of g1v2/g10v2/g30v2/g40v2 (dnp3_objects.log) and "
            "534 CROB lines (dnp3_control.log). Also: in TCP stream 0 the master uses source port 20000 too "
            "(20000 -> 20000), so direction there is only known from the DIR bit."),
        "correction": {
            "applicationFragments": {"response:0": -1, "response:129": 4, "response:130": 1},
            "objectHeaders": {"g10v2q00": 3, "g12v1q17": 1, "g1v2q00": 3, "g2v2q17": 1, "g30v2q00": 3,
                              "g40v2q00": 3},
            "points": 673, "rangeObjects": 673, "unsolicitedFragments": 1},
    },
    "iti-assign_class.pcap": {
        "note": ("tshark 4.0 does not dissect the object headers of Assign Class (FC 22) requests; the request "
                 "(c3 16 3c03 06 0100 06) holds g60v3 q06 and g1v0 q06."),
        "correction": {"objectHeaders": {"g1v0q06": 1, "g60v3q06": 1}},
    },
    "iti-auth_change_session_keys.pcap": {
        "note": ("tshark 4.0 does not dissect the objects of Authentication Request (FC 32) / Response (FC 131); "
                 "the fragments hold g120v4 q07 (key status request), g120v5 q5b x2 (key status), g120v6 q5b "
                 "(session key change)."),
        "correction": {"objectHeaders": {"g120v4q07": 1, "g120v5q5b": 2, "g120v6q5b": 1}},
    },
    "iti-auth_control_challenge_response.pcap": {
        "note": ("tshark 4.0 does not dissect the objects of FC 131 / FC 32: g120v1 q5b (challenge) and g120v2 q5b "
                 "(reply) are not counted; the two g12v1 q28 CROBs (Direct Operate, Response) are."),
        "correction": {"objectHeaders": {"g120v1q5b": 1, "g120v2q5b": 1}},
    },
    "iti-opendnp3-conf-8.6.2.2.pcap": {
        "note": ("The undefined function 0x70 (112) request is counted as 'request:112' but tshark does not dissect "
                 "its object header g60v1 q06 (c0 70 3c01 06)."),
        "correction": {"objectHeaders": {"g60v1q06": 1}},
    },
    "zeek-dnp3.pcap": {
        "note": ("tshark 4.0 does not dissect objects of Stop Application (FC 18): the 4 requests (frames 163, 166, "
                 "174, 176; bytes c1 12 3c02 06 0107 06 3c04 ed) hold g60v2 q06, g1v7 q06 and g60v4 with the "
                 "invalid qualifier 0xed and nothing after it; Zeek's events list these 12 headers. Otherwise "
                 "tshark's object headers equal Zeek's for this capture. The 5 g255v0 q06 headers (read of an "
                 "undefined group) are flagged dnp3.unknown_object."),
        "correction": {"objectHeaders": {"g1v7q06": 4, "g60v2q06": 4, "g60v4qed": 4}},
    },
    "iti-operate_aggressive_mode.pcap": {
        "note": ("SAv5 aggressive mode: tshark does not know g120v3 (aggressive-mode request, 6 bytes: CSQ + USR) "
                 "and dumps the rest of the fragment as dnp3.al.unknown_data_chunk, so the g12v1 q28 CROB (index "
                 "1, latch on) and the g120v9 q5b MAC (16 bytes) that follow are not counted; its '1 point' for "
                 "g120v3 is the g120v3 object. The response's g12v1 q28 is counted."),
        "correction": {"objectHeaders": {"g120v9q5b": 1, "g12v1q28": 1}, "points": 1},
    },
    "iti-write_vto_empty_string.pcap": {
        "note": ("The 1997-byte Write fragment is 285 object headers g112v0 q01 start 0 stop 65535 (7 bytes each: "
                 "VTO objects of variation = length 0, so each header carries 65536 empty strings and no bytes). "
                 "tshark decodes the first header, lists 1 point (index 0), puts the other 1988 bytes in "
                 "dnp3.al.unknown_data_chunk and flags the frame malformed; its rangeObjects 65536 is that header's "
                 "item count. Transport reassembly (9 segments, one link frame split over the 2 TCP segments) is "
                 "right."),
        "correction": {"objectHeaders": {"g112v0q01": 284}},
    },
    "iti-dataset_exchange.pcap": {
        "note": ("Frame 6: the g86v1 q5b response (count 3, objects of 125, 53 and 55 bytes, exactly filling the "
                 "247-byte fragment) - tshark lists the first object's size and throws inside it (malformed), so "
                 "2 size-prefixed objects are missing. The fragment itself is complete."),
        "correction": {"sizePrefixedObjects": 2, "sizePrefixedObjectsByHeader": {"g86v1q5b": 2}},
    },
    "iti-opendnp3-conf-6.6.2.3.pcap": {
        "note": ("Both DNP3 frames are link headers with length 5 (no user data) to addresses 1025/1026 followed "
                 "by bytes that would be user data; tshark decodes the link header (CRC good), then throws on the "
                 "extra bytes (malformed). No transport segment or fragment is decoded, which is right for "
                 "length 5. The outstation (address 1) must ignore both."),
    },
    "iti-openics-DNP3-Malformed.pcap": {
        "note": ("OpenICS fuzz capture: 197 Operate requests with random object headers. The figures are only "
                 "tshark's view of garbage: 'g0v0q--' = 22 headers cut off right after the object type (no "
                 "qualifier octet); rangeObjects (365683313) sums tshark's item counts from random range fields; "
                 "points are the items tshark listed before giving up. 195 of 198 frames are malformed. Frame 1 "
                 "starts with a link header whose length octet is 2 (< 5, invalid): tshark throws before adding "
                 "any dnp3 field, so it is malformed but not counted in dnp3Frames/linkFrames (its protocol "
                 "list still says dnp3); the other 197 frames carry one link frame each, all CRCs good."),
    },
    "sv-dnp3-too-long-reassembly-request.pcap": {
        "note": ("65 max-size transport segments (FIR on the first only, no FIN) that never complete a fragment: "
                 "0 application fragments is right (tshark keeps reassembling without a size bound and raises "
                 "no expert item; Suricata's test expects a too-long-reassembly event)."),
    },
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcaps", default="/work/shared/pcaps")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    version = tshark_version()
    tshark_json = build_tshark(args, version)
    zeek_json, problems = build_zeek(args.pcaps)
    about = dict(ABOUT_ZEEK)
    about["problems"] = problems or "none: every event line was attached to a fragment/header/object"
    zeek_json["_about"] = about
    rc = 0
    for name, obj in (("tshark-dnp3.json", tshark_json), ("zeek-icsnpp-dnp3.json", zeek_json)):
        text = dumps(obj) + "\n"
        json.loads(text)
        path = os.path.join(args.out, name)
        if args.check:
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if old != text:
                print("DIFFERS: %s" % path, file=sys.stderr)
                rc = 1
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            print("wrote %s" % path, file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
