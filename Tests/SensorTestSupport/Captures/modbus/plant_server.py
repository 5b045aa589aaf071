#!/usr/bin/env python3
"""Modbus/TCP test PLC for the OTSensor plant-session capture (pymodbus 3.16.1).

Serves two devices (unit 1 and unit 2) on one TCP listener. Unit 1 looks like a
pump-station PLC; unit 2 like a small remote I/O module. Input registers on
unit 1 change deterministically on every FC4 read, so repeated polling cycles
carry different (but reproducible) values.

Usage: plant_server.py [HOST] [PORT]       (default 127.0.0.1 502)
"""

import asyncio
import logging
import sys

from pymodbus import ModbusDeviceIdentification
from pymodbus.constants import ExcCodes
from pymodbus.server import StartAsyncTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 502

IDENTITY = ModbusDeviceIdentification(
    info_name={
        "VendorName": "OTSensor Test Works",
        "ProductCode": "OTS-PLC",
        "MajorMinorRevision": "1.0",
    }
)

# Unit 1 input registers 0..9: flow, pressure, temperature x10, level, ...
UNIT1_IR_BASE = [1200, 455, 213, 780, 0, 0, 0, 0, 3, 1]
_fc4_reads = 0


async def unit1_action(function_code, start_address, address, count,
                       current_registers, set_values):
    """Unit 1 behaviour hook (deterministic).

    - FC4: advance the simulated process values on every read.
    - FC6 to holding register 1 (pressure setpoint) above 1000: reject with
      exception 03 (illegal data value), like a PLC enforcing a limit.
    """
    global _fc4_reads  # noqa: PLW0603
    if function_code == 6 and address == 1 and set_values and set_values[0] > 1000:
        return ExcCodes.ILLEGAL_VALUE
    if function_code == 4:
        n = _fc4_reads
        _fc4_reads += 1
        base = 0 - start_address
        current_registers[base + 0] = UNIT1_IR_BASE[0] + 7 * n   # flow
        current_registers[base + 1] = UNIT1_IR_BASE[1] - 2 * n   # pressure
        current_registers[base + 2] = UNIT1_IR_BASE[2] + n       # temperature x10
        current_registers[base + 3] = UNIT1_IR_BASE[3] + 5 * n   # tank level
        current_registers[base + 4] = n                          # scan counter
    return None


def unit1() -> SimDevice:
    return SimDevice(
        id=1,
        simdata=(
            # coils 0..31: pump run commands, valves, alarms ack ...
            [SimData(0, values=[True, False, True, True, False, False, False, False,
                                False, True, False, False, False, False, False, False]
                               + [False] * 16, datatype=DataType.BITS)],
            # discrete inputs 0..31: running feedback, limit switches ...
            [SimData(0, values=[True, False, True, False, True, True, False, False,
                                False, False, False, True, False, False, False, False]
                               + [False] * 16, datatype=DataType.BITS)],
            # holding registers 0..31: setpoints and configuration
            [SimData(0, values=[1500, 250, 0, 0, 60, 0, 0, 0, 0, 0,
                                0x00F0, 0, 0, 0, 0, 0] + [0] * 16,
                     datatype=DataType.REGISTERS)],
            # input registers 0..15: measured values (updated by unit1_action)
            [SimData(0, values=UNIT1_IR_BASE + [0] * 6, datatype=DataType.REGISTERS)],
        ),
        action=unit1_action,
    )


def unit2() -> SimDevice:
    return SimDevice(
        id=2,
        simdata=(
            [SimData(0, values=[False] * 16, datatype=DataType.BITS)],
            [SimData(0, values=[True, True, False, False, True, False, False, True]
                               + [False] * 8, datatype=DataType.BITS)],
            [SimData(0, values=[10, 20, 30, 40, 0, 0, 0, 0], datatype=DataType.REGISTERS)],
            [SimData(0, values=[4000, 4100, 4200, 4300, 0, 0, 0, 0],
                     datatype=DataType.REGISTERS)],
        ),
    )


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    await StartAsyncTcpServer(
        context=[unit1(), unit2()], identity=IDENTITY, address=(HOST, PORT)
    )


if __name__ == "__main__":
    asyncio.run(main())
