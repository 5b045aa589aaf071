#!/usr/bin/env python3
"""DNP3 outstation (address 1) for the OTSensor plant-dnp3 capture (dnp3py 0.6.0).

A small substation RTU: 16 binary inputs (class 1), 8 binary outputs, 40 analog
inputs (class 2; enough that the integrity poll answer spans two link frames),
8 counters (class 3) and 2 analog outputs, all with fixed starting values.
Accepts CROB and analog-output controls and the time write, and answers a
ranged analog-input read with just that range.

dnp3py's TCP runner only answers requests, so PlantRunner adds what an RTU does
on its own: once the master has enabled unsolicited reporting it makes a short,
fixed list of point changes and sends each batch of events as an unsolicited
response (FC 130), waiting for the master's confirm before the next one.

Usage: plant_outstation.py [HOST] [PORT]       (default 127.0.0.1 20000)
"""

import asyncio
import sys

from dnp3.core.enums import ControlCode
from dnp3.core.flags import IIN, AnalogQuality, BinaryQuality, CounterQuality
from dnp3.database import (AnalogInputConfig, AnalogOutputConfig, BinaryInputConfig,
                           BinaryOutputConfig, CounterConfig, Database)
from dnp3.database.point import EventClass
from dnp3.datalink.builder import build_unconfirmed_user_data
from dnp3.outstation import (CommandResult, DefaultCommandHandler, Outstation,
                             OutstationConfig, OutstationTcpRunner)
from dnp3.outstation import tcp_runner
from dnp3.transport.segmenter import Segmenter

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
OUTSTATION, MASTER = 1, 2

# One transport segmenter for solicited and unsolicited responses, so the
# transport sequence number runs on without a jump (one connection only).
SEGMENTER = Segmenter()
tcp_runner.Segmenter = lambda: SEGMENTER

# Point changes made after ENABLE_UNSOLICITED, one batch per unsolicited
# response. The counter (class 3) change is never reported unsolicited because
# the master enables classes 1 and 2 only; it waits for the final class poll.
CHANGES = [
    [("bi", 3, True), ("ctr", 0, 1001)],   # breaker 3 closes; energy counter ticks
    [("ai", 5, 2500), ("ai", 6, 2600)],    # two feeder currents step
    [("bi", 3, False), ("ai", 5, 2510)],   # breaker opens again, current follows
]


def build_database() -> Database:
    db = Database()
    for i in range(16):
        db.add_binary_input(i, BinaryInputConfig(event_class=EventClass.CLASS_1),
                            value=i in (0, 2, 5), quality=BinaryQuality.ONLINE)
    for i in range(8):
        db.add_binary_output(i, BinaryOutputConfig(event_class=EventClass.NONE),
                             quality=BinaryQuality.ONLINE)
    for i in range(40):
        db.add_analog_input(i, AnalogInputConfig(event_class=EventClass.CLASS_2),
                            value=1000 + 10 * i, quality=AnalogQuality.ONLINE)
    for i in range(8):
        db.add_counter(i, CounterConfig(event_class=EventClass.CLASS_3),
                       value=1000 * (i + 1), quality=CounterQuality.ONLINE)
    for i in range(2):
        db.add_analog_output(i, AnalogOutputConfig(event_class=EventClass.NONE),
                             quality=AnalogQuality.ONLINE)
    return db


class Controls(DefaultCommandHandler):
    """Accept every control and reflect it in the output status points."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def select_binary_output(self, index, code, count, on_time, off_time):
        return CommandResult.success()

    def operate_binary_output(self, index, code, count, on_time, off_time, select_sequence):
        return self.direct_operate_binary_output(index, code, count, on_time, off_time)

    def direct_operate_binary_output(self, index, code, count, on_time, off_time):
        print(f"CROB index={index} code=0x{int(code):02x} on={on_time} off={off_time}", flush=True)
        if code in (ControlCode.LATCH_ON, ControlCode.LATCH_OFF):
            self.db.update_binary_output(index, code == ControlCode.LATCH_ON)
        return CommandResult.success()

    def direct_operate_analog_output(self, index, value):
        print(f"AO index={index} value={value}", flush=True)
        return CommandResult.success()


class PlantOutstation(Outstation):
    """dnp3py 0.6.0 answers a ranged static read with every point; honour the range
    (qualifiers 0x00/0x01) for analog inputs, the one group the master reads by range."""

    def _read_analog_inputs(self, block):
        if block.header.qualifier in (0x00, 0x01):
            n = 1 + block.header.qualifier  # 1- or 2-byte start and stop
            start, stop = (int.from_bytes(block.data[i:i + n], "little") for i in (0, n))
            points = self.database.get_analog_inputs_range(start, stop)
            return self._build_analog_input_blocks(points), IIN(0) if points else IIN.PARAMETER_ERROR
        return super()._read_analog_inputs(block)


class PlantRunner(OutstationTcpRunner):
    """The stock runner plus scripted point changes sent as unsolicited responses."""

    async def _handle_connection(self, channel) -> None:
        task = asyncio.create_task(self._unsolicited(channel))
        try:
            await super()._handle_connection(channel)
        finally:
            task.cancel()

    async def _unsolicited(self, channel) -> None:
        os_ = self.outstation
        uns = os_._state.unsolicited  # dnp3py keeps the enable/confirm state here
        while not (uns.class_1_enabled or uns.class_2_enabled):
            await asyncio.sleep(0.05)
        for batch in CHANGES:
            await asyncio.sleep(0.2)
            for kind, index, value in batch:
                {"bi": os_.database.update_binary_input, "ai": os_.database.update_analog_input,
                 "ctr": os_.database.update_counter}[kind](index, value)
            fragment = os_.generate_unsolicited()
            for seg in SEGMENTER.segment(fragment.to_bytes()):
                frame = build_unconfirmed_user_data(destination=MASTER, source=OUTSTATION,
                                                    dir_from_master=False, user_data=seg.to_bytes())
                await channel.write_all(frame.to_bytes())
            while uns.pending_confirm:  # cleared by the master's CONFIRM (uns=1)
                await asyncio.sleep(0.02)
            print(f"unsolicited seq={fragment.header.control.seq} confirmed", flush=True)


async def main() -> None:
    db = build_database()
    os_ = PlantOutstation(database=db, handler=Controls(db),
                          config=OutstationConfig(address=OUTSTATION, master_address=MASTER),
                          time_handler=lambda ts: print(f"time written: {ts}", flush=True))
    await PlantRunner(outstation=os_, host=HOST, port=PORT).run()


if __name__ == "__main__":
    asyncio.run(main())
