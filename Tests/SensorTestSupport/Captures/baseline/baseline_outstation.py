#!/usr/bin/env python3
"""DNP3 outstation of the baseline site (dnp3py 0.6.0): a feeder RTU, link address 10.

Points (all with quality ONLINE):
  BI 0..7   class 1  0 capacitor bank closed (follows BO 0 after a CROB),
                     1 protection healthy, 2 cabinet door open, 3 SF6 low
                     pressure, 4 cooling fan running, 5..7 spare (follow BO 5..7)
  BO 0..7   no class output status (a latch CROB sets it)
  AI 0..7   class 2  0 feeder current A, 1 bus voltage V/10, 2 active power kW,
                     3 reactive power kvar, 4 transformer oil temperature C,
                     5 frequency mHz/10, 6..7 spare (constant); deadbands below
  CTR 0..3  class 3  0 energy import kWh (deadband 100), 1 energy export kWh,
                     2 breaker operations, 3 spare
Events are reported without time (g2v1, g32v1) except counter events (g22v5,
with time; dnp3py's choice). Point values are a deterministic function of the
capture second s (sine waves + noise from random.Random(f"{point}:{s // 10}"), a
fan that runs from s mod 900 in [300, 600), the door open for s in
[1500, 1560)), applied once per capture second, so the events are the same on
every run. Counter event times use the capture clock (T0 + (now - T0) * FACTOR),
so they agree with the stretched pcap timestamps.

No time synchronisation is required (time_sync_required=False) and this
runner never sends unsolicited responses (dnp3py's TCP runner only answers).

COLD_RESTART (FC 13) is accepted with a g52v2 delay of 2000 ms; one capture
second after the response the RTU "restarts": it closes the TCP connection
(FIN) and sets IIN1.7 DEVICE_RESTART again (point values, output states and
the event buffer are kept). The listener stays up.

Usage: baseline_outstation.py HOST PORT T0 FACTOR
"""

import asyncio
import math
import random
import sys
import time

from dnp3.core.enums import ControlCode
from dnp3.core.flags import AnalogQuality, BinaryQuality, CounterQuality
from dnp3.core.timestamp import DNP3Timestamp
from dnp3.database import (AnalogInputConfig, BinaryInputConfig, BinaryOutputConfig, CounterConfig,
                           Database)
from dnp3.database.point import EventClass
from dnp3.outstation import (CommandResult, DefaultCommandHandler, Outstation, OutstationConfig,
                             OutstationTcpRunner)

HOST, PORT, T0, FACTOR = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
OUTSTATION, MASTER = 10, 1
AI_DEADBAND = [10, 4, 200, 100, 2, 4, 1, 1]


def capture_time() -> float:
    return (time.time() - T0) * FACTOR


def capture_timestamp() -> DNP3Timestamp:
    return DNP3Timestamp(int((T0 + max(0.0, capture_time())) * 1000))


def noise(key: str, s: int, amplitude: float) -> float:
    return random.Random(f"{key}:{s}").uniform(-amplitude, amplitude)


def wave(s: int, period: float, amplitude: float, phase: float = 0.0) -> float:
    return amplitude * math.sin(2 * math.pi * s / period + phase)


def analogs(s: int) -> list[int]:
    return [
        round(318 + wave(s, 1200, 40) + noise("ai0", s // 10, 3)),          # feeder current, A
        round(1105 + wave(s, 2400, 8, 1.0) + noise("ai1", s // 10, 1)),     # bus voltage, 10 V (11.05 kV)
        round(5900 + wave(s, 1200, 750) + noise("ai2", s // 10, 30)),       # active power, kW
        round(1400 + wave(s, 1500, 200, 0.5) + noise("ai3", s // 10, 20)),  # reactive power, kvar
        round(61 + wave(s, 3600, 4, 2.0)),                            # oil temperature, C
        round(5000 + noise("ai5", s // 30, 3)),                       # frequency, 10 mHz
        0, 0,
    ]


def binaries(s: int) -> dict[int, bool]:
    return {1: True, 2: 1500 <= s < 1560, 3: False, 4: 300 <= s % 900 < 600}


def build_database() -> Database:
    db = Database()
    bi = binaries(0)
    for i in range(8):
        db.add_binary_input(i, BinaryInputConfig(event_class=EventClass.CLASS_1),
                            value=bi.get(i, False), quality=BinaryQuality.ONLINE)
        db.add_binary_output(i, BinaryOutputConfig(event_class=EventClass.NONE),
                             value=False, quality=BinaryQuality.ONLINE)
    for i, v in enumerate(analogs(0)):
        db.add_analog_input(i, AnalogInputConfig(event_class=EventClass.CLASS_2, deadband=AI_DEADBAND[i]),
                            value=v, quality=AnalogQuality.ONLINE)
    for i, v in enumerate([4_182_300, 12_410, 317, 0]):
        db.add_counter(i, CounterConfig(event_class=EventClass.CLASS_3, deadband=100 if i == 0 else 1),
                       value=v, quality=CounterQuality.ONLINE)
    # dnp3py compares the first update with a last-event value of 0: make that
    # comparison now and drop its events, so the RTU starts with an empty buffer.
    for i, v in enumerate(analogs(0)):
        db.update_analog_input(i, v)
    for i, v in enumerate([4_182_300, 12_410, 317, 0]):
        db.update_counter(i, v)
    db.clear_events()
    return db


class Controls(DefaultCommandHandler):
    """Latch CROBs on any BO: set the output status; BO 0 and 5..7 drive BI 0 and 5..7."""

    def __init__(self, db: Database, rtu: "RTU") -> None:
        self.db = db
        self.rtu = rtu

    def select_binary_output(self, index, code, count, on_time, off_time):
        return CommandResult.success() if index < 8 else CommandResult.not_supported()

    def operate_binary_output(self, index, code, count, on_time, off_time, select_sequence):
        return self.direct_operate_binary_output(index, code, count, on_time, off_time)

    def direct_operate_binary_output(self, index, code, count, on_time, off_time):
        print(f"t={capture_time():9.3f} CROB index={index} code=0x{int(code):02x}", flush=True)
        if index >= 8:
            return CommandResult.not_supported()
        if code in (ControlCode.LATCH_ON, ControlCode.LATCH_OFF):
            on = code == ControlCode.LATCH_ON
            self.db.update_binary_output(index, on)
            if index == 0 or index >= 5:
                self.rtu.pending_feedback.append((index, on))
        if index == 0:
            self.rtu.breaker_operations += 1
        return CommandResult.success()

    def cold_restart(self):
        print(f"t={capture_time():9.3f} COLD_RESTART accepted (delay 2000 ms)", flush=True)
        self.rtu.restart_requested.set()
        return 2000


class RTU(OutstationTcpRunner):
    """The stock runner plus the process simulation and the cold-restart behaviour."""

    def __init__(self, outstation: Outstation, host: str, port: int) -> None:
        super().__init__(outstation=outstation, host=host, port=port)
        self.restart_requested = asyncio.Event()
        self.pending_feedback: list[tuple[int, bool]] = []
        self.breaker_operations = 317
        self.energy = [4_182_300.0, 12_410.0]

    async def _handle_connection(self, channel) -> None:
        print(f"t={capture_time():9.3f} connection accepted", flush=True)
        handler = asyncio.create_task(super()._handle_connection(channel))
        restart = asyncio.create_task(self.restart_requested.wait())
        done, _ = await asyncio.wait({handler, restart}, return_when=asyncio.FIRST_COMPLETED)
        if restart in done and not handler.done():
            self.restart_requested.clear()
            await asyncio.sleep(1.0 / FACTOR)  # one capture second after the response
            print(f"t={capture_time():9.3f} restarting: closing the connection, IIN1.7 set", flush=True)
            await channel.close()
            await handler
            self.outstation._state.set_restart()  # dnp3py 0.6.0 internal (pinned)
        else:
            restart.cancel()
            await handler
        print(f"t={capture_time():9.3f} connection closed", flush=True)

    async def simulate(self) -> None:
        db = self.outstation.database
        s = 0
        while True:
            # apply every capture second up to now, in order
            while s <= capture_time():
                for i, v in enumerate(analogs(s)):
                    db.update_analog_input(i, v)
                for i, v in binaries(s).items():
                    db.update_binary_input(i, v)
                while self.pending_feedback:
                    db.update_binary_input(*self.pending_feedback.pop(0))
                kw = analogs(s)[2]
                self.energy[0] += kw / 3600.0
                ts = capture_timestamp()
                db.update_counter(0, int(self.energy[0]), timestamp=ts)
                db.update_counter(1, int(self.energy[1]), timestamp=ts)
                db.update_counter(2, self.breaker_operations, timestamp=ts)
                s += 1
            await asyncio.sleep(0.25 / FACTOR)


async def main() -> None:
    db = build_database()
    os_ = Outstation(database=db, handler=DefaultCommandHandler(),
                     config=OutstationConfig(address=OUTSTATION, master_address=MASTER,
                                             time_sync_required=False))
    rtu = RTU(os_, HOST, PORT)
    os_.handler = Controls(db, rtu)
    sim = asyncio.create_task(rtu.simulate())
    try:
        await rtu.run()
    finally:
        sim.cancel()


if __name__ == "__main__":
    asyncio.run(main())
