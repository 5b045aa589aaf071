#!/usr/bin/env python3
"""DNP3 outstation (address 1) for the OTSensor attack-dnp3 capture (dnp3py 0.6.0).

A small feeder RTU: 8 binary inputs (class 1), 4 binary outputs (breaker
controls), 8 analog inputs (class 2), all with fixed starting values. It takes
one master connection at a time (dnp3py's stock TCP runner) and accepts every
CROB, whoever sends it: link addresses are all DNP3 checks, and the rogue master
uses the real master's address 2.

What is not stock dnp3py behaviour (dnp3py's handler answers restarts with
IIN2.0 unless told otherwise): COLD_RESTART and WARM_RESTART are accepted, each
answered with a g52v2 time delay, and the device-restart indication (IIN1.7) is
set once the answer has been sent, as a device that restarted would set it. The
process itself keeps running, so the connection stays up. Everything else,
including the IIN2.0 answer to STOP_APPLICATION (dnp3py does not implement it),
is stock.

Usage: attack_outstation.py [HOST] [PORT]       (default 127.0.0.1 20000)
"""

import asyncio
import sys

from dnp3.core.enums import ControlCode
from dnp3.core.flags import AnalogQuality, BinaryQuality
from dnp3.database import AnalogInputConfig, BinaryInputConfig, BinaryOutputConfig, Database
from dnp3.database.point import EventClass
from dnp3.outstation import (CommandResult, DefaultCommandHandler, Outstation, OutstationConfig,
                             OutstationTcpRunner)

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
OUTSTATION, MASTER = 1, 2
RESTART_DELAY_MS = {"cold": 5000, "warm": 1000}


def build_database() -> Database:
    db = Database()
    for i in range(8):
        db.add_binary_input(i, BinaryInputConfig(event_class=EventClass.CLASS_1),
                            value=i in (0, 1), quality=BinaryQuality.ONLINE)
    for i in range(4):
        db.add_binary_output(i, BinaryOutputConfig(event_class=EventClass.NONE),
                             value=i in (0, 1), quality=BinaryQuality.ONLINE)
    for i in range(8):
        db.add_analog_input(i, AnalogInputConfig(event_class=EventClass.CLASS_2),
                            value=2000 + 25 * i, quality=AnalogQuality.ONLINE)
    return db


class Handler(DefaultCommandHandler):
    """Accept every CROB and reflect latches in the output status; accept restarts."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.outstation: Outstation | None = None

    def select_binary_output(self, index, code, count, on_time, off_time):
        return CommandResult.success()

    def operate_binary_output(self, index, code, count, on_time, off_time, select_sequence):
        return self.direct_operate_binary_output(index, code, count, on_time, off_time)

    def direct_operate_binary_output(self, index, code, count, on_time, off_time):
        print(f"CROB index={index} code=0x{int(code):02x}", flush=True)
        if code in (ControlCode.LATCH_ON, ControlCode.LATCH_OFF):
            self.db.update_binary_output(index, code == ControlCode.LATCH_ON)
        return CommandResult.success()

    def _restart(self, kind: str) -> int:
        print(f"{kind} restart requested", flush=True)
        # Called while the answer is built; the indication appears from the next answer on.
        asyncio.get_running_loop().call_soon(self.outstation._state.set_restart)
        return RESTART_DELAY_MS[kind]

    def cold_restart(self) -> int:
        return self._restart("cold")

    def warm_restart(self) -> int:
        return self._restart("warm")


async def main() -> None:
    db = build_database()
    handler = Handler(db)
    os_ = Outstation(database=db, handler=handler,
                     config=OutstationConfig(address=OUTSTATION, master_address=MASTER),
                     time_handler=lambda ts: print(f"time written: {ts}", flush=True))
    handler.outstation = os_
    await OutstationTcpRunner(outstation=os_, host=HOST, port=PORT).run()


if __name__ == "__main__":
    asyncio.run(main())
