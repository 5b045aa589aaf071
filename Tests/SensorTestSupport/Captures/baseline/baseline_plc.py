#!/usr/bin/env python3
"""PLC A of the baseline Modbus site (pymodbus 3.16.1 server, SimDevice datastore).

One TCP listener serving two unit ids:
  unit 1  pump-station PLC: holding registers 0..99, input registers 0..199,
          coils 0..31, discrete inputs 0..31.
          HR 0..9 are live process values (recomputed on every read from the
          capture time, see below), HR 10..99 configuration (HR 20 = level
          setpoint, written by the HMI; HR 40 = high-high level alarm limit,
          never written in normal traffic), coil 3 = pump 2 enable.
  unit 2  remote I/O rack: the same sizes; input registers 100..107 are live
          analog input channels (raw 0..27648 counts), the rest static.
Any other unit id is answered with exception 04 (pymodbus SimDevice behaviour
for an unknown id; it logs a KeyError traceback for each).

Live values are a deterministic function of the capture second
s = floor((now - T0) * FACTOR): slow sine waves plus noise from
random.Random(f"{register}:{s}"), so a read at the same capture second gives
the same value on every run.

Usage: baseline_plc.py HOST PORT T0 FACTOR
"""

import asyncio
import logging
import math
import random
import sys
import time

from pymodbus import ModbusDeviceIdentification
from pymodbus.server import StartAsyncTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

HOST, PORT, T0, FACTOR = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])

IDENTITY = ModbusDeviceIdentification(info_name={
    "VendorName": "OTSensor Test Works", "ProductCode": "OTS-PLC-A", "MajorMinorRevision": "2.4"})


def capture_second() -> int:
    return max(0, int((time.time() - T0) * FACTOR))


def noise(key: str, s: int, amplitude: float) -> float:
    return random.Random(f"{key}:{s}").uniform(-amplitude, amplitude)


def wave(s: int, period: float, amplitude: float, phase: float = 0.0) -> float:
    return amplitude * math.sin(2 * math.pi * s / period + phase)


def unit1_live(s: int) -> list[int]:
    """HR 0..9 of unit 1 at capture second s."""
    return [
        2,                                                             # 0 mode: 2 = auto
        round(740 + wave(s, 900, 25) + noise("hr1", s, 4)),            # 1 pump 1 speed, 0.1 %
        round(412 + wave(s, 600, 12, 1.0) + noise("hr2", s, 3)),       # 2 discharge pressure, kPa
        round(1250 + wave(s, 900, 60, 0.3) + noise("hr3", s, 8)),      # 3 flow, 0.1 m3/h
        round(305 + wave(s, 1800, 35, 2.0) + noise("hr4", s, 1)),      # 4 tank level, cm
        round(186 + wave(s, 3600, 6) + noise("hr5", s, 1)),            # 5 water temperature, 0.1 C
        0,                                                             # 6 alarm word
        12840 + s // 3600,                                             # 7 run hours
        s % 65536,                                                     # 8 heartbeat (1/s)
        0x0011,                                                        # 9 status word
    ]


def unit2_live(s: int) -> list[int]:
    """IR 100..107 of unit 2 (analog input channels, raw counts 0..27648)."""
    base = [13800, 9100, 21500, 5530, 16400, 11020, 7400, 24100]
    return [max(0, min(27648, round(b + wave(s, 700 + 97 * i, 900, i) + noise(f"ir{100 + i}", s, 60))))
            for i, b in enumerate(base)]


async def unit1_action(function_code, start_address, address, count, current_registers, set_values):
    if function_code == 3 and set_values is None and address < 10:
        current_registers[0 - start_address: 10 - start_address] = unit1_live(capture_second())
    return None


async def unit2_action(function_code, start_address, address, count, current_registers, set_values):
    if function_code == 4 and address < 108 and address + count > 100:
        current_registers[100 - start_address: 108 - start_address] = unit2_live(capture_second())
    return None


def unit1() -> SimDevice:
    hr = unit1_live(0) + [0] * 90
    hr[10:20] = [100, 2000, 15, 30, 5, 0, 0, 0, 0, 0]         # ramp, max flow, timers ...
    hr[20] = 550                                               # level setpoint, cm (HMI writes 500..600)
    hr[21:30] = [50, 650, 120, 80, 0, 0, 0, 0, 1]
    hr[40:45] = [1200, 900, 150, 60, 3]                        # alarm limits: HH level 1200 ...
    coils = [True, True, True, False, False, True, False, False] + [False] * 24
    return SimDevice(
        id=1, identity=IDENTITY,
        simdata=(
            [SimData(0, values=coils, datatype=DataType.BITS)],
            [SimData(0, values=[True, False, True, True] + [False] * 28, datatype=DataType.BITS)],
            [SimData(0, values=hr, datatype=DataType.REGISTERS)],
            [SimData(0, values=[0] * 200, datatype=DataType.REGISTERS)],
        ),
        action=unit1_action,
    )


def unit2() -> SimDevice:
    ir = [0] * 200
    ir[100:108] = unit2_live(0)
    return SimDevice(
        id=2, identity=IDENTITY,
        simdata=(
            [SimData(0, values=[False] * 32, datatype=DataType.BITS)],
            [SimData(0, values=[True] * 8 + [False] * 24, datatype=DataType.BITS)],
            [SimData(0, values=[0] * 100, datatype=DataType.REGISTERS)],
            [SimData(0, values=ir, datatype=DataType.REGISTERS)],
        ),
        action=unit2_action,
    )


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    await StartAsyncTcpServer(context=[unit1(), unit2()], identity=IDENTITY, address=(HOST, PORT))


if __name__ == "__main__":
    asyncio.run(main())
