#!/usr/bin/env python3
"""Stretch the timestamps of a classic pcap file by a constant factor.

Every packet keeps its bytes and its position; only its time changes:

    t' = t_first + (t - t_first) * FACTOR

where t_first is the time of the first packet, which keeps its original value.
Times are computed in integer microseconds (nanoseconds for a nanosecond pcap),
so no precision is lost and the result is the same on every machine. Reads and
writes classic libpcap files only (magic a1b2c3d4 / a1b23c4d, either byte
order), as tcpdump -w writes them; pcapng is refused.

Usage: pcap_timescale.py IN.pcap OUT.pcap FACTOR      (FACTOR: a positive integer)
"""

import struct
import sys

MAGICS = {  # magic as read little-endian -> (byte order, ticks per second)
    0xA1B2C3D4: ("<", 1_000_000),
    0xD4C3B2A1: (">", 1_000_000),
    0xA1B23C4D: ("<", 1_000_000_000),
    0x4D3CB2A1: (">", 1_000_000_000),
}


def scale(src: str, dst: str, factor: int) -> int:
    with open(src, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise SystemExit(f"{src}: too short for a pcap file")
    (magic,) = struct.unpack_from("<I", data, 0)
    if magic not in MAGICS:
        raise SystemExit(f"{src}: not a classic pcap file (magic 0x{magic:08x})")
    order, ticks = MAGICS[magic]
    record = struct.Struct(order + "IIII")
    out = bytearray(data[:24])
    pos, count, first, last = 24, 0, None, None
    while pos < len(data):
        if pos + 16 > len(data):
            raise SystemExit(f"{src}: truncated record header at offset {pos}")
        sec, frac, incl, orig = record.unpack_from(data, pos)
        body = data[pos + 16: pos + 16 + incl]
        if len(body) != incl:
            raise SystemExit(f"{src}: truncated packet at offset {pos}")
        t = sec * ticks + frac
        if first is None:
            first = t
        if last is not None and t < last:
            raise SystemExit(f"{src}: packet {count + 1} is older than the one before it")
        last = t
        new = first + (t - first) * factor
        out += record.pack(new // ticks, new % ticks, incl, orig)
        out += body
        pos += 16 + incl
        count += 1
    with open(dst, "wb") as f:
        f.write(out)
    return count


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 64
    factor = int(sys.argv[3])
    if factor < 1:
        raise SystemExit("FACTOR must be a positive integer")
    n = scale(sys.argv[1], sys.argv[2], factor)
    print(f"pcap_timescale: {n} packets, offsets x{factor}: {sys.argv[1]} -> {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
