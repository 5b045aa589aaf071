#!/usr/bin/env bash
# Print the tshark check listing of a DNP3 capture: one line per DNP3 link frame,
# then totals. Exits 1 if any frame has a bad CRC or is malformed.
# Used by record-plant-dnp3.sh and record-plant-dnp3-udp.sh.
#
# Usage: dnp3-listing.sh CAPTURE.pcap [OUTSTATION_PORT [NAME]]   (default 20000, basename of CAPTURE)
#
# Columns: frame number; dir (M>O master->outstation, O>M outstation->master, by
# the outstation port); dl = link function, p<N> primary (0 reset link states,
# 4 unconfirmed user data) or s<N> secondary (0 ACK); tr = transport FIR,FIN,seq;
# al.func, al.seq, uns, con = application header (only on the frame that
# completes a fragment); obj = objects as gGvV; iin as tshark shows it, IIN1
# then IIN2 (0x9000 = IIN1 0x90: device restart + need time); ctrlstatus of
# g12/g41 objects; crc = header CRC status, then each data-chunk CRC (1 good, 0 bad;
# Wireshark 4.0 names these dnp.hdr.CRC.status and dnp.data_chunk.CRC.status).
set -euo pipefail
PCAP=$1
PORT=${2:-20000}
NAME=${3:-$(basename "$PCAP")}
t() { tshark -r "$PCAP" "$@" 2>/dev/null; }

echo "# tshark $(tshark -v 2>/dev/null | head -1 | awk '{print $3}') listing of $NAME, made by dnp3-listing.sh (see it for the columns)"
t -Y dnp3 -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e tcp.srcport -e udp.srcport -e dnp3.ctl.prifunc -e dnp3.ctl.secfunc \
    -e dnp3.tr.fir -e dnp3.tr.fin -e dnp3.tr.seq \
    -e dnp3.al.func -e dnp3.al.seq -e dnp3.al.uns -e dnp3.al.con -e dnp3.al.obj -e dnp3.al.iin \
    -e dnp3.al.ctrlstatus -e dnp.hdr.CRC.status -e dnp.data_chunk.CRC.status |
awk -F'\t' -v port="$PORT" '
    BEGIN { OFS = "\t"; print "frame", "dir", "dl", "tr", "al.func", "al.seq", "uns", "con", "obj", "iin", "ctrlstatus", "crc" }
    function b(x) { return x == "True" || x == "1" ? 1 : 0 }
    { n = split($13, o, ","); objs = ""
      for (i = 1; i <= n; i++) objs = objs (i > 1 ? "," : "") sprintf("g%dv%d", int(o[i] / 256), o[i] % 256)
      print $1, ($2 $3 == port ? "O>M" : "M>O"), ($4 != "" ? "p" $4 : "s" $5), ($6 == "" ? "-" : b($6) "," b($7) "," $8),
            $9, $10, ($11 == "" ? "" : b($11)), ($12 == "" ? "" : b($12)), objs,
            ($14 == "" ? "" : sprintf("0x%04x", $14)), $15, $16 ($17 == "" ? "" : "," $17) }'

BADCRC=$(t -Y "dnp.hdr.CRC.status == 0 || dnp.data_chunk.CRC.status == 0" | wc -l)
MALFORMED=$(t -Y _ws.malformed | wc -l)
echo "# packets: $(t | wc -l), DNP3 link frames: $(t -Y dnp3 | wc -l); bad CRC: $BADCRC; malformed (_ws.malformed): $MALFORMED"
echo "# frames of multi-frame fragments (transport FIR != FIN): $(t -Y 'dnp3.tr.fir != dnp3.tr.fin' -T fields -e frame.number | paste -sd, -)"
echo "# expert warnings and errors: $(t -q -z expert,warn | grep -cE '^ +[0-9]+ +' || true)"
[ "$BADCRC" -eq 0 ] && [ "$MALFORMED" -eq 0 ]
