#!/usr/bin/env python3
"""Greedy set cover over a libFuzzer merge control file.

usage: pick_cover.py CONTROL_FILE DEST_DIR MAX_FILES MAX_BYTES

The features (FT) and edges (COV) of the committed inputs (seed-*, found-*) count as covered first; then up to
MAX_FILES fuzzer-made inputs are picked, each time the one adding the most new edges, then features (FT lines of a
-set_cover_merge=1 control file hold every feature of an input), smaller first on ties, and copied to DEST_DIR as found-cov-<sha1 prefix>. Stops when nothing new is added or MAX_BYTES is reached.
"""
import hashlib, os, shutil, sys

control, dest, max_files, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = open(control).read().splitlines()
n = int(lines[0])
files = lines[2:2 + n]
ft = {i: set() for i in range(n)}
cov = {i: set() for i in range(n)}
for line in lines[2 + n:]:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == 'FT':
        ft[int(parts[1])] = set(parts[2:])

# COV lines list only the edges new in merge order; a feature of an inline 8-bit counter is edge * 8 + bucket.
for i in range(n):
    cov[i] = {int(f) // 8 for f in ft[i]}

committed = [i for i, f in enumerate(files)
             if os.path.basename(f).startswith(('seed-', 'found-')) and not os.path.basename(f).startswith('found-cov-')]
candidates = [i for i in range(n) if i not in committed]
seen_ft = set().union(*(ft[i] for i in committed)) if committed else set()
seen_cov = set().union(*(cov[i] for i in committed)) if committed else set()
all_ft = set().union(*ft.values())
all_cov = set().union(*cov.values())
print(f'inputs {n}: committed {len(committed)} reach cov {len(seen_cov)} ft {len(seen_ft)}; '
      f'all reach cov {len(all_cov)} ft {len(all_ft)}')

picked = []
total = 0
while len(picked) < max_files and candidates:
    def gain(i):
        return (len(cov[i] - seen_cov), len(ft[i] - seen_ft), -os.path.getsize(files[i]))
    best = max(candidates, key=gain)
    g = gain(best)
    if g[0] == 0 and g[1] == 0:
        break
    size = os.path.getsize(files[best])
    if total + size > max_bytes:
        candidates.remove(best)
        continue
    candidates.remove(best)
    picked.append(best)
    total += size
    seen_cov |= cov[best]
    seen_ft |= ft[best]
    print(f'  +edges {g[0]:3} +ft {g[1]:4} {size:5}b {os.path.basename(files[best])}')

os.makedirs(dest, exist_ok=True)
for i in picked:
    data = open(files[i], 'rb').read()
    shutil.copyfile(files[i], os.path.join(dest, 'found-cov-' + hashlib.sha1(data).hexdigest()[:16]))
print(f'picked {len(picked)} ({total} bytes): committed + picked reach cov {len(seen_cov)} of {len(all_cov)}, '
      f'ft {len(seen_ft)} of {len(all_ft)}')
