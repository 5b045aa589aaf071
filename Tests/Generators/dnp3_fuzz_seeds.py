#!/usr/bin/env python3
"""Builds the DNP3 fuzz seeds from real captures and the shared fault cases.

link:      one control octet + a direction's TCP payload stream (tshark tcp.payload, retransmissions dropped)
transport: (length octet + link user data) per segment, for runs of segments holding multi-segment fragments
objects:   whole application fragments (transport headers stripped, segments concatenated)
"""
import json, os, subprocess, sys, collections

# Run from the package root: python3 Tests/Generators/dnp3_fuzz_seeds.py OUT_DIR  (needs tshark; the shared data
# from OTSENSOR_PCAPS / OTSENSOR_CASES, default ../shared). The committed seeds under Tests/FuzzCorpus came from it.
ROOT = os.getcwd()
SHARED = os.path.dirname(os.environ.get('OTSENSOR_PCAPS', os.path.join(ROOT, '..', 'shared', 'pcaps')))
OUT = sys.argv[1] if len(sys.argv) > 1 else 'dnp3-fuzz-seeds'


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    crc = ~crc & 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


def direction(stream):
    """'master' or 'outstation', from the link DIR bit of the first frame with a good header CRC."""
    for i in range(len(stream) - 9):
        if stream[i] == 0x05 and stream[i + 1] == 0x64 and crc16(stream[i:i + 8]) == stream[i + 8:i + 10]:
            return 'master' if stream[i + 3] & 0x80 else 'outstation'
    return 'noframe'


def payload_streams(pcap, proto):
    """{(stream, direction): bytes}: the payloads each endpoint sent, in capture order (retransmissions dropped)."""
    fields = ['-e', 'tcp.stream', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'tcp.payload'] if proto == 'tcp' else \
        ['-e', 'udp.stream', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'udp.payload']
    filt = 'tcp.len>0 && !tcp.analysis.retransmission' if proto == 'tcp' else 'udp'
    out = subprocess.run(['tshark', '-r', pcap, '-Y', filt, '-T', 'fields'] + fields,
                         capture_output=True, text=True, check=True).stdout
    by_sender = collections.OrderedDict()
    for line in out.splitlines():
        s, ip, port, hexs = line.split('\t')
        key = (0 if proto == 'udp' else int(s), ip, port)
        by_sender.setdefault(key, bytearray()).extend(bytes.fromhex(hexs.replace(':', '')))
    streams = collections.OrderedDict()
    for (s, ip, port), data in by_sender.items():
        streams.setdefault((s, direction(data)), bytes(data))
    return streams


def link_frames(stream):
    """Yields the user data of every well-formed frame (header CRC checked, block CRCs checked)."""
    i = 0
    while i + 10 <= len(stream):
        if stream[i] != 0x05 or stream[i + 1] != 0x64 or crc16(stream[i:i + 8]) != stream[i + 8:i + 10] \
                or stream[i + 2] < 5:
            i += 1
            continue
        n = stream[i + 2] - 5
        size = 10 + n + 2 * ((n + 15) // 16)
        if i + size > len(stream):
            return
        ud = bytearray()
        p = i + 10
        ok = True
        while len(ud) < n:
            k = min(16, n - len(ud))
            blk = stream[p:p + k]
            if crc16(blk) != stream[p + k:p + k + 2]:
                ok = False
            ud += blk
            p += k + 2
        if ok and n > 0:
            yield bytes(ud)
        i += size


def assemble(segments):
    """Yields (fragment, [segments]) for each FIN reached after a FIR."""
    cur = None
    for seg in segments:
        th = seg[0]
        fir, fin = th & 0x40, th & 0x80
        if fir:
            cur = [seg]
        elif cur is not None:
            cur.append(seg)
        if fin and cur is not None:
            yield b''.join(s[1:] for s in cur), cur
            cur = None


def write(folder, name, data):
    path = os.path.join(OUT, folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), 'wb') as f:
        f.write(data)


def fragment_key(frag):
    """Direction, function code and the first object header, to keep only one fragment of each kind."""
    if len(frag) < 2:
        return None
    fc = frag[1]
    hdr_at = 4 if fc in (0x81, 0x82, 0x83) else 2
    return (fc, bytes(frag[hdr_at:hdr_at + 3]))


pcaps = {}
for name in sorted(os.listdir(f'{SHARED}/pcaps/dnp3')):
    if name.endswith('.pcap'):
        pcaps[name[:-5]] = f'{SHARED}/pcaps/dnp3/{name}'
pcaps['plant-dnp3'] = f'{ROOT}/Tests/SensorTestSupport/Captures/dnp3/plant-dnp3.pcap'
pcaps['plant-dnp3-udp'] = f'{ROOT}/Tests/SensorTestSupport/Captures/dnp3/plant-dnp3-udp.pcap'

streams = collections.OrderedDict()  # (capture, dir) -> bytes (first TCP stream of each direction, or UDP)
for cap, path in pcaps.items():
    got = payload_streams(path, 'udp' if 'udp' in cap else 'tcp')
    for (s, d), data in got.items():
        streams.setdefault((cap, d), bytes(data))

cases = [c for c in json.load(open(f'{SHARED}/cases/cases.json')) if c['protocol'] == 'dnp3']
for c in cases:
    for d in ('c2s', 's2c'):
        data = b''.join(bytes.fromhex(s['hex']) for s in c['segments'] if s['dir'] == d)
        if data:
            streams[('case-' + c['id'][len('dnp3-'):], d)] = data

# --- link: a few whole streams, with chunk sizes 1, 16 (gaps), 33, 96 ---
LINK = [
    ('plant-dnp3', 'master', 0x5F), ('plant-dnp3', 'outstation', 0x0F), ('plant-dnp3', 'outstation', 0x8F),
    ('plant-dnp3-udp', 'outstation', 0x20),
    ('iti-full_exchange', 'master', 0x00), ('iti-full_exchange', 'outstation', 0x20),
    ('iti-file_list_directory', 'outstation', 0x5F), ('iti-openics-DNP3-Malformed', 'master', 0x5F),
    ('iti-openics-DNP3-Malformed', 'master', 0x82), ('zeek-dnp3_link_only', 'master', 0x07),
    ('zeek-dnp3_link_only', 'outstation', 0x07), ('sv-dnp3-too-long-reassembly-request', 'master', 0x5F),
    ('iti-opendnp3-conf-8.11.2.5', 'outstation', 0x9F), ('sv-dnp3-eve', 'outstation', 0x5F),
    ('icsnpp-dnp3_example', 'outstation', 0x3A), ('iti-opendnp3-conf-8.9.1.2', 'outstation', 0xC7),
    ('iti-auth_change_session_keys', 'master', 0x11), ('iti-write_vto_empty_string', 'master', 0x5F),
    ('zeek-dnp3', 'noframe', 0x5F), ('zeek-dnp3_udp_select_operate', 'outstation', 0x30),
]
LINK_MAX = 2048
for c in cases:
    cid = 'case-' + c['id'][len('dnp3-'):]
    for d in ('c2s', 's2c'):
        if (cid, d) in streams:
            LINK.append((cid, d, 0x5F))
for cap, d, control in LINK:
    data = streams[(cap, d)]
    # Cut at a frame boundary below LINK_MAX, so the seed still ends on a whole frame where it can.
    if len(data) > LINK_MAX:
        cut = data.rfind(b'\x05\x64', 0, LINK_MAX)
        data = data[:cut if cut > 0 else LINK_MAX]
    chunk = (control & 0x7F) % 96 + 1
    write('fuzz-dnp3-link', f'seed-{cap}-{d}-chunk{chunk}{"-gaps" if control & 0x80 else ""}', bytes([control]) + data)

# --- transport and objects from the link user data of every stream ---
transport_seen = set()
objects_seen = set()
n_transport = n_objects = 0
for (cap, d), data in streams.items():
    segs = list(link_frames(data))
    # transport: each run of segments making a multi-segment fragment, plus its neighbours
    multi = [(frag, ss) for frag, ss in assemble(segs) if len(ss) > 1]
    for frag, ss in multi[:2]:
        start = segs.index(ss[0])
        run = segs[max(0, start - 1):start + len(ss) + 1]
        blob = b''.join(bytes([len(s)]) + s for s in run)
        key = (len(ss), len(frag) > 600, cap.split('-')[0])
        if key in transport_seen and not cap.startswith('case-'):
            continue
        transport_seen.add(key)
        write('fuzz-dnp3-transport', f'seed-{cap}-{d}-{len(ss)}segments-{len(frag)}octets', blob)
        n_transport += 1
    if cap.startswith('case-transport') or cap == 'plant-dnp3':
        blob = b''.join(bytes([len(s)]) + s for s in segs[:40])
        write('fuzz-dnp3-transport', f'seed-{cap}-{d}-all', blob)
    # objects: one fragment per (function code, first object header)
    for frag, ss in assemble(segs):
        key = fragment_key(frag)
        if key is None or key in objects_seen or len(frag) > 2048:
            continue
        objects_seen.add(key)
        fc = frag[1]
        obj = key[1]
        what = f'fc{fc:02x}' + (f'-g{obj[0]}v{obj[1]}q{obj[2]:02x}' if len(obj) == 3 else '-noobjects')
        write('fuzz-dnp3-objects', f'seed-{cap}-{d}-{what}', frag)
        n_objects += 1

print('link', len(LINK), 'transport', n_transport, 'objects', n_objects)
