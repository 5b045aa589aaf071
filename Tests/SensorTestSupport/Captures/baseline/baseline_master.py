#!/usr/bin/env python3
"""SCADA master of the baseline DNP3 site (dnp3py 0.6.0): link address 1, source 127.0.0.20.

One TCP connection to the outstation (link address 10) and one scheduler that
issues every request in capture-time order, one at a time (dnp3py's master is
request/response, so the pollers share one association the way a real
master's task queue does). Capture times in seconds; P = period; jitter and
seeds as in baseline_schedule.py:
  start-up at 0.0   DISABLE_UNSOLICITED class 1,2,3 (FC 21, g60v2..v4), then
                    WRITE g80v1 index 7 = 0 (FC 2, clear restart) because the
                    answer has IIN1.7, then the first integrity poll
  integrity poll    READ class 1,2,3,0 (FC 1, g60v2,v3,v4,v1)   P 60   first 60.0
  event poll        READ class 1,2,3   (FC 1, g60v2,v3,v4)      P 5    first 2.5
  operator control  DIRECT_OPERATE (FC 5) g12v1 CROB on BO 0, latch on and
                    latch off alternating (first on)           P 120  first 45.0
  whenever a response carries IIN1.7 DEVICE_RESTART: WRITE g80v1 (clear restart)
  response fragments with CON set are confirmed (FC 0) by dnp3py.
Scenarios (attack at capture time 300.0):
  new-control             DIRECT_OPERATE g12v1 CROB latch on, BO 5, once
  cold-restart            COLD_RESTART (FC 13) once; the outstation closes the
                          connection a second later (see baseline_outstation.py):
                          the master notices the close, closes its side,
                          reconnects 5 s later and runs the start-up again;
                          requests that fell due while it was down are skipped
  stopped-integrity-poll  no integrity poll at or after 300.0
The connection closes at DURATION.

Prints the plan ("plan ..." lines), one line per unexpected answer and a
summary; exits 1 if anything was unexpected.

Usage: baseline_master.py HOST PORT T0 FACTOR DURATION SCENARIO
"""

import asyncio
import functools
import sys

from dnp3.application.builder import build_cold_restart_request, build_write_request
from dnp3.application.fragment import ObjectBlock
from dnp3.application.qualifiers import ObjectHeader, PrefixCode, RangeCode
from dnp3.core.flags import IIN
from dnp3.master import DefaultSOEHandler, Master, MasterConfig, MasterTcpRunner
from dnp3.master.commands import CommandBuilder
from dnp3.master.tcp_runner import LinkResetPolicy

from baseline_schedule import Clock, Schedule

HOST, PORT = sys.argv[1], int(sys.argv[2])
T0, FACTOR, DURATION, SCENARIO = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
SOURCE = "127.0.0.20"
MASTER_ADDR, OUTSTATION_ADDR = 1, 10
ATTACK = 300.0
RECONNECT_DELAY = 5.0
IIN2_ERRORS = IIN.NO_FUNC_CODE_SUPPORT | IIN.OBJECT_UNKNOWN | IIN.PARAMETER_ERROR

# dnp3py's TCP client has no source-address setting: bind the master's socket here.
asyncio.open_connection = functools.partial(asyncio.open_connection, local_addr=(SOURCE, 0))

clock = Clock(T0, FACTOR)
stats = {"requests": 0, "unexpected": 0, "reconnects": 0, "skipped": 0}
master = Master(handler=DefaultSOEHandler(),
                config=MasterConfig(address=MASTER_ADDR, outstation_address=OUTSTATION_ADDR))
runner: MasterTcpRunner | None = None


def bad(what: str, why: str) -> None:
    stats["unexpected"] += 1
    print(f"BAD t={clock.now():9.3f} {what}: {why}", flush=True)


async def exchange(what: str, build, *, want_iin2: IIN = IIN(0), want_status: int | None = 0):
    """One request/response; checks IIN2 and, for controls, the CROB status; clears IIN1.7."""
    stats["requests"] += 1
    try:
        infos = await runner.request(build())
    except Exception as exc:  # noqa: BLE001
        bad(what, f"no answer: {exc!r}")
        return None
    iin = infos[-1].iin
    if (iin & IIN2_ERRORS) != want_iin2:
        bad(what, f"IIN 0x{int(iin):04x}")
    if iin & IIN.DEVICE_RESTART and "clear restart" not in what:
        await exchange("WRITE g80v1 (clear restart)", clear_restart_request)
    return infos


def clear_restart_request():
    header = ObjectHeader.build(80, 1, PrefixCode.NONE, RangeCode.UINT8_START_STOP)
    return build_write_request((ObjectBlock(header=header, data=bytes([7, 7, 0])),),
                               seq=master.next_request_sequence())


def crob(index: int, on: bool):
    def build():
        cb = CommandBuilder()
        cb = cb.latch_on(index) if on else cb.latch_off(index)
        return master.build_direct_operate(cb.build_direct_operate())
    return build


async def connect() -> None:
    global runner  # noqa: PLW0603
    runner = MasterTcpRunner(master=master, host=HOST, port=PORT, response_timeout=2.0,
                             link_reset=LinkResetPolicy.NEVER)
    await runner.open()
    await exchange("DISABLE_UNSOLICITED", lambda: master.build_disable_unsolicited())
    await integrity()


async def integrity() -> None:
    await exchange("READ class 1,2,3,0", master.build_integrity_poll)


async def event_poll() -> None:
    await exchange("READ class 1,2,3", lambda: master.build_class_poll())


def peer_closed() -> bool:
    reader = getattr(runner.channel, "_reader", None) if runner and runner.channel else None
    return runner is None or not runner.is_open or (reader is not None and reader.at_eof())


async def wait_until(t: float) -> None:
    """Sleep until capture time t; meanwhile notice a connection closed by the outstation."""
    while True:
        if peer_closed() and runner is not None:
            await reconnect()
        if clock.now() >= t:
            clock.late.append(clock.now() - t)
            return
        await asyncio.sleep(min(0.25, t - clock.now()) / FACTOR)


async def reconnect() -> None:
    global runner  # noqa: PLW0603
    print(f"t={clock.now():9.3f} outstation closed the connection; reconnecting in {RECONNECT_DELAY} s",
          flush=True)
    await runner.close()
    runner = None
    await clock.async_sleep_until(clock.now() + RECONNECT_DELAY)
    stats["reconnects"] += 1
    await connect()


async def main() -> int:
    s = Schedule()
    s.add(0.0, "connect + DISABLE_UNSOLICITED + (clear restart) + integrity poll", connect)
    integrity_end = ATTACK if SCENARIO == "stopped-integrity-poll" else DURATION
    s.add_periodic("master-integrity-class0123", 60.0, 60.0, integrity_end, integrity)
    s.add_periodic("master-event-class123", 5.0, 2.5, DURATION, event_poll)
    state = {"on": True}

    async def operator_control():
        on, state["on"] = state["on"], not state["on"]
        await exchange(f"DIRECT_OPERATE BO 0 latch {'on' if on else 'off'}", crob(0, on))
    s.add_periodic("master-crob-bo0", 120.0, 45.0, DURATION, operator_control)
    if SCENARIO == "new-control":
        s.add(ATTACK, "ATTACK DIRECT_OPERATE BO 5 latch on",
              lambda: exchange("DIRECT_OPERATE BO 5 latch on", crob(5, True)))
    elif SCENARIO == "cold-restart":
        s.add(ATTACK, "ATTACK COLD_RESTART",
              lambda: exchange("COLD_RESTART", lambda: build_cold_restart_request(
                  seq=master.next_request_sequence())))
    s.dump("master")

    for event in s.sorted():
        if event.label.startswith("connect"):
            await clock.async_sleep_until(event.t)
        else:
            await wait_until(event.t)
            if clock.now() - event.t > 1.0:  # fell due while the connection was down
                stats["skipped"] += 1
                print(f"t={clock.now():9.3f} skipped {event.label} planned at {event.t:.3f}", flush=True)
                continue
        await event.run()
    await wait_until(DURATION)
    await runner.close()
    print(f"summary master: {stats['requests']} requests, {stats['unexpected']} unexpected, "
          f"{stats['reconnects']} reconnects, {stats['skipped']} skipped; {clock.lateness()}", flush=True)
    return 1 if stats["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
