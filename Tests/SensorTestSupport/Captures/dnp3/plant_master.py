#!/usr/bin/env python3
"""DNP3 master (address 2) for the OTSensor plant-dnp3 capture (dnp3py 0.6.0).

Talks to plant_outstation.py and runs one fixed session, in this order:
  link reset; DISABLE_UNSOLICITED (FC 21); integrity poll (READ class 1,2,3,0);
  range READ g30v0 10..13 (qualifier 0x00); CROB SELECT + OPERATE (latch on BO 0);
  CROB DIRECT_OPERATE (pulse on BO 1); analog output DIRECT_OPERATE (g41v1 AO 0);
  DELAY_MEASURE (FC 23) then WRITE g50v1; WRITE g80v1 (clear IIN1.7 restart);
  ENABLE_UNSOLICITED classes 1,2 (FC 20); three unsolicited responses (FC 130),
  each confirmed; final class 1,2,3 poll.
Checks IIN and point values on the way; exits non-zero if anything was unexpected.

Usage: plant_master.py [HOST] [PORT]       (default 127.0.0.1 20000)
"""

import asyncio
import sys

from dnp3.application.builder import build_write_request
from dnp3.application.fragment import ObjectBlock
from dnp3.application.qualifiers import ObjectHeader, PrefixCode, RangeCode
from dnp3.core.flags import IIN
from dnp3.core.timestamp import DNP3Timestamp
from dnp3.master import DefaultSOEHandler, Master, MasterConfig, MasterTcpRunner
from dnp3.master.commands import CommandBuilder

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
IIN2_ERRORS = IIN.NO_FUNC_CODE_SUPPORT | IIN.OBJECT_UNKNOWN | IIN.PARAMETER_ERROR
failures: list[str] = []


def check(step: str, infos, want_iin: IIN = IIN(0), ok: bool = True) -> None:
    """Print one line per exchange; require no IIN2 error bits and the wanted IIN1 bits."""
    iins = [info.iin for info in infos] if isinstance(infos, list) else [infos.iin]
    good = ok and all(not (i & IIN2_ERRORS) and (i & want_iin) == want_iin for i in iins)
    print(f"{'OK ' if good else 'BAD'} {step:<44} fragments={len(iins)} "
          f"iin={','.join(f'0x{int(i):04x}' for i in iins)}", flush=True)
    if not good:
        failures.append(step)


class SOE(DefaultSOEHandler):
    """The stock value store, plus the analog values of the latest response."""

    def on_analog_input(self, values, info) -> None:
        self.last_analog = [(v.index, v.value) for v in values]
        super().on_analog_input(values, info)


def write(master: Master, group: int, variation: int, range_code: RangeCode, data: bytes):
    header = ObjectHeader.build(group, variation, PrefixCode.NONE, range_code)
    return build_write_request((ObjectBlock(header=header, data=data),),
                               seq=master.next_request_sequence())


async def main() -> int:
    soe = SOE()
    m = Master(handler=soe, config=MasterConfig(address=2, outstation_address=1))
    async with MasterTcpRunner(master=m, host=HOST, port=PORT, response_timeout=5) as r:
        check("DISABLE_UNSOLICITED classes 1,2,3", await r.disable_unsolicited())
        infos = await r.integrity_poll()
        ai = {i: v.value for i, v in soe.analog_inputs.items()}
        check("READ class 1,2,3,0 (integrity poll)", infos, IIN.DEVICE_RESTART | IIN.NEED_TIME,
              ok=ai == {i: 1000 + 10 * i for i in range(40)} and len(soe.binary_inputs) == 16
              and len(soe.counters) == 8 and len(soe.binary_outputs) == 8)
        infos = await r.request(m.build_range_poll(30, 0, 10, 13))
        check("READ g30v0 10..13 (range)", infos,
              ok=soe.last_analog == [(i, 1000 + 10 * i) for i in range(10, 14)])
        cb = CommandBuilder().latch_on(0)
        check("SELECT g12v1 BO 0 latch on", await r.request(m.build_select(cb.build_select())))
        check("OPERATE g12v1 BO 0 latch on", await r.request(m.build_operate(cb.build_operate())))
        check("DIRECT_OPERATE g12v1 BO 1 pulse on 100 ms", await r.request(m.build_direct_operate(
            CommandBuilder().pulse_on(1, on_time=100, off_time=100).build_direct_operate())))
        check("DIRECT_OPERATE g41v1 AO 0 = 1250", await r.request(m.build_direct_operate(
            CommandBuilder().add_analog(0, 1250).build_direct_operate())))
        check("DELAY_MEASURE", await r.request(m.build_delay_measure()))
        check("WRITE g50v1 (time)", await r.request(write(
            m, 50, 1, RangeCode.UINT8_COUNT, bytes([1]) + DNP3Timestamp.now().to_bytes())))
        infos = await r.request(write(m, 80, 1, RangeCode.UINT8_START_STOP, bytes([7, 7, 0])))
        check("WRITE g80v1 index 7 = 0 (clear restart)", infos,
              ok=not infos[-1].iin & (IIN.DEVICE_RESTART | IIN.NEED_TIME))
        check("ENABLE_UNSOLICITED classes 1,2", await r.enable_unsolicited(class_3=False))
        for k in range(3):
            info = await r.listen_unsolicited(timeout=5)
            check(f"unsolicited response {k + 1} (confirmed)", info or [],
                  ok=info is not None and info.is_unsolicited)
        await asyncio.sleep(0.2)
        infos = await r.class_poll()
        check("READ class 1,2,3 (final event poll)", infos,
              ok=soe.counters[0].value == 1001 and soe.analog_inputs[5].value == 2510)
    print(f"summary: {len(failures)} unexpected", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
