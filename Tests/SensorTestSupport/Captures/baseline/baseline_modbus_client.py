#!/usr/bin/env python3
"""Modbus/TCP clients of the baseline site (pymodbus 3.16.1 ModbusTcpClient).

One process per client role; each binds its own loopback source address and
keeps one TCP connection. Requests are issued one at a time, in capture-time
order, from a precomputed schedule (baseline_schedule.py: jittered grids,
seeded, so every run sends the same requests at the same capture times).

Roles (capture times in seconds; P = period):
  hmi        127.0.0.10, connects at 0.0:
               FC3 unit 1 HR 0 x10        P 2   first 0.5
               FC1 unit 1 coils 0 x16     P 5   first 1.1
               FC4 unit 2 IR 100 x8       P 10  first 1.7
               FC6 unit 1 HR 20 = 500..600 (seeded draw)  P 60  first 30.3
               FC5 unit 1 coil 3 on/off alternating (first on)  P 300  first 150.9
  historian  127.0.0.11, connects at 0.3:
               FC3 unit 1 HR 0 x50        P 30  first 7.3
  intruder   127.0.0.66 (scenario new-client only): connects at 300.0, FC3
             unit 1 HR 0 x10 at 300.2, 301.2, 302.2, closes at 302.5.
  unitscan   127.0.0.10, second connection (scenario unit-scan only): connects
             at 300.0, FC3 start 0 x1 to units 3..40 back to back, closes.
Scenario changes to the hmi and historian (attack at capture time 300.0):
  unusual-write       hmi: FC6 unit 1 HR 40 = 550 once at 300.0
  value-out-of-range  hmi: FC6 unit 1 HR 20 = 9999 once at 300.0
  register-scan       hmi: FC3 unit 1 start 100,110,...,990 x10 (90 requests)
                      back to back from 300.0 on the HMI connection
  stopped-poller      historian: closes its connection at 300.0, no more polls
  poll-storm          hmi: the FC3 HR 0 x10 poll runs with P 0.05 from 300.0
                      to 330.0 (its 2 s grid is suspended meanwhile)
Every connection closes at DURATION.

Every reply is checked (normal polls must succeed; the scans expect their
exceptions). Prints the plan ("plan ..." lines), one line per unexpected
reply, and a summary; exits 1 if any reply was unexpected.

Usage: baseline_modbus_client.py ROLE HOST PORT T0 FACTOR DURATION SCENARIO
"""

import sys

from pymodbus.client import ModbusTcpClient

from baseline_schedule import Clock, Schedule, rng

ROLE, HOST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
T0, FACTOR, DURATION, SCENARIO = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
SOURCE = {"hmi": "127.0.0.10", "historian": "127.0.0.11", "intruder": "127.0.0.66",
          "unitscan": "127.0.0.10"}[ROLE]
ATTACK = 300.0
STORM_END = 330.0
clock = Clock(T0, FACTOR)
stats = {"requests": 0, "unexpected": 0, "exceptions": {}}
client: ModbusTcpClient | None = None


def connect() -> None:
    global client  # noqa: PLW0603
    client = ModbusTcpClient(HOST, port=PORT, timeout=0.5, retries=0, reconnect_delay=0,
                             name=ROLE, source_address=(SOURCE, 0))
    if not client.connect():
        print(f"{ROLE}: cannot connect to {HOST}:{PORT} from {SOURCE}", file=sys.stderr)
        sys.exit(2)


def close() -> None:
    if client is not None:
        client.close()


def call(what: str, fn, *, expect_exception: int | None = None):
    stats["requests"] += 1
    try:
        rr = fn()
    except Exception as exc:  # noqa: BLE001  (a timeout or a closed connection)
        rr, err = None, f"no reply: {exc!r}"
    else:
        if rr.isError():
            code = getattr(rr, "exception_code", None)
            stats["exceptions"][(rr.function_code, code)] = stats["exceptions"].get((rr.function_code, code), 0) + 1
            err = None if code == expect_exception else f"exception fc=0x{rr.function_code:02x} code={code}"
        else:
            err = None if expect_exception is None else "expected an exception, got a normal reply"
    if err:
        stats["unexpected"] += 1
        print(f"BAD {ROLE} t={clock.now():9.3f} {what}: {err}", flush=True)
    return rr


def fc3(unit: int, start: int, qty: int, **kw):
    return lambda: call(f"FC3 u{unit} {start} x{qty}",
                        lambda: client.read_holding_registers(start, count=qty, device_id=unit), **kw)


def hmi_schedule(s: Schedule) -> None:
    s.add(0.0, "connect", connect)
    storm = SCENARIO == "poll-storm"
    s.add_periodic("hmi-fc3-u1-hr0x10", 2.0, 0.5, DURATION, fc3(1, 0, 10),
                   skip=(lambda t: ATTACK <= t < STORM_END) if storm else (lambda t: False))
    if storm:
        s.add_periodic("hmi-fc3-u1-hr0x10-storm", 0.05, ATTACK, STORM_END, fc3(1, 0, 10))
    s.add_periodic("hmi-fc1-u1-co0x16", 5.0, 1.1, DURATION,
                   lambda: call("FC1 u1 0 x16", lambda: client.read_coils(0, count=16, device_id=1)))
    s.add_periodic("hmi-fc4-u2-ir100x8", 10.0, 1.7, DURATION,
                   lambda: call("FC4 u2 100 x8", lambda: client.read_input_registers(100, count=8, device_id=2)))
    setpoints = rng("hmi-fc6-u1-hr20")

    def write_setpoint():
        value = setpoints.randint(500, 600)
        call(f"FC6 u1 20 = {value}", lambda: client.write_register(20, value, device_id=1))
    s.add_periodic("hmi-fc6-u1-hr20", 60.0, 30.3, DURATION, write_setpoint)
    coil = {"next": True}

    def toggle_coil():
        value, coil["next"] = coil["next"], not coil["next"]
        call(f"FC5 u1 3 = {value}", lambda: client.write_coil(3, value, device_id=1))
    s.add_periodic("hmi-fc5-u1-co3", 300.0, 150.9, DURATION, toggle_coil)

    if SCENARIO == "unusual-write":
        s.add(ATTACK, "ATTACK FC6 u1 HR 40 = 550",
              lambda: call("FC6 u1 40 = 550", lambda: client.write_register(40, 550, device_id=1)))
    elif SCENARIO == "value-out-of-range":
        s.add(ATTACK, "ATTACK FC6 u1 HR 20 = 9999",
              lambda: call("FC6 u1 20 = 9999", lambda: client.write_register(20, 9999, device_id=1)))
    elif SCENARIO == "register-scan":
        def scan():
            for start in range(100, 1000, 10):
                fc3(1, start, 10, expect_exception=2)()
        s.add(ATTACK, "ATTACK FC3 u1 register scan 100..990 x10", scan)
    s.add(DURATION, "close", close)


def historian_schedule(s: Schedule) -> None:
    s.add(0.3, "connect", connect)
    end = ATTACK if SCENARIO == "stopped-poller" else DURATION
    s.add_periodic("historian-fc3-u1-hr0x50", 30.0, 7.3, end, fc3(1, 0, 50))
    s.add(end, "close", close)


def intruder_schedule(s: Schedule) -> None:
    s.add(ATTACK, "ATTACK connect", connect)
    for k in range(3):
        s.add(ATTACK + 0.2 + k, f"ATTACK FC3 u1 0 x10 #{k + 1}", fc3(1, 0, 10))
    s.add(ATTACK + 2.5, "ATTACK close", close)


def unitscan_schedule(s: Schedule) -> None:
    def scan():
        connect()
        for unit in range(3, 41):
            fc3(unit, 0, 1, expect_exception=4)()
        close()
    s.add(ATTACK, "ATTACK connect, FC3 units 3..40 0 x1, close", scan)


def main() -> int:
    s = Schedule()
    {"hmi": hmi_schedule, "historian": historian_schedule, "intruder": intruder_schedule,
     "unitscan": unitscan_schedule}[ROLE](s)
    s.dump(ROLE)
    for event in s.sorted():
        clock.sleep_until(event.t)
        event.run()
    exc = ", ".join(f"0x{fc:02x}/{code}: {n}" for (fc, code), n in sorted(stats["exceptions"].items()))
    print(f"summary {ROLE}: {stats['requests']} requests, {stats['unexpected']} unexpected; "
          f"exceptions {exc or 'none'}; {clock.lateness()}", flush=True)
    return 1 if stats["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main())
