#!/usr/bin/env python3
"""Modbus/TCP PLC for the OTSensor attack-session capture (pymodbus 3.16.1).

The same two devices as plant_server.py (unit 1, a pump-station PLC; unit 2, a
remote I/O module), imported from it, with two differences that make the PLC
answer an attacker the way field devices do:

- Unit 0 is the broadcast address (broadcast_enable=True): a request to unit 0
  is executed on every unit and never answered, as behind a serial gateway.
- A function code the PLC does not implement is answered with the exception
  the specification prescribes, the function code with 0x80 set and exception
  01 ILLEGAL FUNCTION (Modbus Application Protocol V1.1b3 section 7). Stock
  pymodbus answers such a request with function 0x80, exception 01, whatever
  its function code was (peers.md section 2); here every code pymodbus has no
  request class for (9, 10, 13, 14, 18, 19, 25-42, 44-127, including 90) gets a
  small request class whose only behaviour is to return that exception.

Everything else is stock pymodbus, including two behaviours a reviewer should
know: Force Listen Only Mode (8/4) sets a flag that nothing reads, so the PLC
goes on answering afterwards, and pymodbus does send a reply to 8/4 (function
8, sub-function 4, no data), although the specification says none is sent.

Usage: attack_server.py [HOST] [PORT]       (default 127.0.0.1 502)
"""

import asyncio
import logging
import sys

from plant_server import IDENTITY, unit1, unit2
from pymodbus.constants import ExcCodes
from pymodbus.pdu import DecodePDU, ExceptionResponse, ModbusPDU
from pymodbus.server import StartAsyncTcpServer

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 502


class UnsupportedFunction(ModbusPDU):
    """A request whose function the PLC does not implement: answered ILLEGAL FUNCTION."""

    def decode(self, data: bytes) -> None:
        self.data = data

    async def datastore_update(self, context, device_id) -> ModbusPDU:
        _ = context
        return ExceptionResponse(self.function_code, ExcCodes.ILLEGAL_FUNCTION, device_id=device_id)


UNSUPPORTED = [
    type(f"Unsupported{code}", (UnsupportedFunction,), {"function_code": code})
    for code in range(1, 128)
    if code not in DecodePDU.pdu_table
]


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    await StartAsyncTcpServer(
        context=[unit1(), unit2()],
        identity=IDENTITY,
        address=(HOST, PORT),
        broadcast_enable=True,
        custom_pdu=UNSUPPORTED,
    )


if __name__ == "__main__":
    asyncio.run(main())
