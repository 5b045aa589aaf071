#!/usr/bin/env python3
"""Modbus/TCP HMI-style client for the OTSensor plant-session capture (pymodbus 3.16.1).

Talks to plant_server.py. Sends a fixed, deterministic list of requests:
  connection 1 (HMI): identification (FC43/14, FC17, FC8/0), then 5 polling
    cycles ~50 ms apart (FC1, FC2, FC3, FC4 on unit 1 and FC4 on unit 2), each
    followed by operator writes (FC5, FC6, FC15, FC16, FC22, FC23, unit-2 FC2/FC6)
    and three deliberate exception responses (0x86/03, 0x83/02, 0x81/02);
  connection 2 (engineering tool): FC43/14 and FC3 to unit 2.
Every reply is checked against a shadow model of the server's memory. Prints
one line per transaction and exits non-zero if any reply was not as expected.

Usage: plant_client.py [HOST] [PORT]       (default 127.0.0.1 502)
"""

import sys
import time

from pymodbus.client import ModbusTcpClient

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 502
POLL_INTERVAL = 0.05
CYCLES = 5

IDENT = {0: b"OTSensor Test Works", 1: b"OTS-PLC", 2: b"1.0"}

# Shadow model of plant_server.py memory (must match its initial values).
model = {
    1: {
        "co": [True, False, True, True, False, False, False, False,
               False, True, False, False, False, False, False, False] + [False] * 16,
        "di": [True, False, True, False, True, True, False, False,
               False, False, False, True, False, False, False, False] + [False] * 16,
        "hr": [1500, 250, 0, 0, 60, 0, 0, 0, 0, 0, 0x00F0, 0, 0, 0, 0, 0] + [0] * 16,
    },
    2: {
        "di": [True, True, False, False, True, False, False, True] + [False] * 8,
        "hr": [10, 20, 30, 40, 0, 0, 0, 0],
        "ir": [4000, 4100, 4200, 4300, 0, 0, 0, 0],
    },
}
fc4_reads_unit1 = 0
results: list[tuple[bool, str]] = []


def unit1_ir(n: int) -> list[int]:
    return [1200 + 7 * n, 455 - 2 * n, 213 + n, 780 + 5 * n, n, 0, 0, 0, 3, 1]


def record(conn: str, what: str, rr, ok: bool, detail: str) -> None:
    tid = getattr(rr, "transaction_id", "?")
    line = f"{'OK ' if ok else 'BAD'} {conn} tid={tid:<3} {what:<46} -> {detail}"
    results.append((ok, line))
    print(line, flush=True)


def expect_ok(conn, what, rr, check):
    if rr.isError():
        record(conn, what, rr, False, f"unexpected exception fc=0x{rr.function_code:02x} "
               f"code={getattr(rr, 'exception_code', None)}")
        return
    ok, detail = check(rr)
    record(conn, what, rr, ok, detail)


def expect_exc(conn, what, rr, fc, code):
    got = (rr.function_code, getattr(rr, "exception_code", None)) if rr.isError() else None
    record(conn, what, rr, got == (fc, code),
           f"exception fc=0x{fc:02x} code={code:02d}" if got == (fc, code)
           else f"expected exception 0x{fc:02x}/{code:02d}, got {rr}")


def bits_eq(expected):
    return lambda rr: (rr.bits[: len(expected)] == expected,
                       "bits " + "".join("1" if b else "0" for b in rr.bits[: len(expected)]))


def regs_eq(expected):
    return lambda rr: (rr.registers == expected, f"registers {rr.registers}")


def poll_cycle(c, conn, k):
    global fc4_reads_unit1  # noqa: PLW0603
    u1 = model[1]
    expect_ok(conn, f"[cycle {k}] FC1 u1 read_coils 0 x24",
              c.read_coils(0, count=24, device_id=1), bits_eq(u1["co"][0:24]))
    expect_ok(conn, f"[cycle {k}] FC2 u1 read_discrete_inputs 0 x16",
              c.read_discrete_inputs(0, count=16, device_id=1), bits_eq(u1["di"][0:16]))
    expect_ok(conn, f"[cycle {k}] FC3 u1 read_holding_registers 0 x10",
              c.read_holding_registers(0, count=10, device_id=1), regs_eq(u1["hr"][0:10]))
    expect_ok(conn, f"[cycle {k}] FC4 u1 read_input_registers 0 x10",
              c.read_input_registers(0, count=10, device_id=1),
              regs_eq(unit1_ir(fc4_reads_unit1)))
    fc4_reads_unit1 += 1
    expect_ok(conn, f"[cycle {k}] FC4 u2 read_input_registers 0 x4",
              c.read_input_registers(0, count=4, device_id=2), regs_eq(model[2]["ir"][0:4]))


def operator_actions(c, conn, k):
    u1, u2 = model[1], model[2]
    if k == 0:
        rr = c.write_coil(3, False, device_id=1)
        expect_ok(conn, "FC5 u1 write_coil 3 = OFF", rr,
                  lambda r: (r.address == 3 and r.bits[0] is False, f"echo addr={r.address} {r.bits[0]}"))
        u1["co"][3] = False
        rr = c.write_register(0, 1600, device_id=1)
        expect_ok(conn, "FC6 u1 write_register 0 = 1600", rr,
                  lambda r: (r.address == 0 and r.registers == [1600], f"echo addr={r.address} {r.registers}"))
        u1["hr"][0] = 1600
    elif k == 1:
        expect_exc(conn, "FC6 u1 write_register 1 = 5000 (over limit)",
                   c.write_register(1, 5000, device_id=1), 0x86, 3)
        rr = c.write_coils(20, [True, False, True], device_id=1)
        expect_ok(conn, "FC15 u1 write_coils 20 [1,0,1]", rr,
                  lambda r: (r.address == 20 and r.count == 3, f"echo addr={r.address} qty={r.count}"))
        u1["co"][20:23] = [True, False, True]
    elif k == 2:
        rr = c.write_registers(5, [7, 8, 9], device_id=1)
        expect_ok(conn, "FC16 u1 write_registers 5 [7,8,9]", rr,
                  lambda r: (r.address == 5 and r.count == 3, f"echo addr={r.address} qty={r.count}"))
        u1["hr"][5:8] = [7, 8, 9]
        rr = c.mask_write_register(address=10, and_mask=0xF00F, or_mask=0x0A50, device_id=1)
        expect_ok(conn, "FC22 u1 mask_write 10 and=F00F or=0A50", rr,
                  lambda r: ((r.address, r.and_mask, r.or_mask) == (10, 0xF00F, 0x0A50),
                             f"echo addr={r.address} and={r.and_mask:04X} or={r.or_mask:04X}"))
        u1["hr"][10] = (u1["hr"][10] & 0xF00F) | (0x0A50 & ~0xF00F & 0xFFFF)
        expect_ok(conn, "FC3 u1 read_holding_registers 10 x1", c.read_holding_registers(
            10, count=1, device_id=1), regs_eq(u1["hr"][10:11]))
    elif k == 3:
        u1["hr"][12:14] = [42, 43]  # FC23 writes before it reads
        rr = c.readwrite_registers(read_address=0, read_count=8, write_address=12,
                                   values=[42, 43], device_id=1)
        expect_ok(conn, "FC23 u1 rd 0 x8 / wr 12 [42,43]", rr, regs_eq(u1["hr"][0:8]))
        expect_exc(conn, "FC3 u1 read_holding_registers 1000 x2",
                   c.read_holding_registers(1000, count=2, device_id=1), 0x83, 2)
    elif k == 4:
        expect_ok(conn, "FC2 u2 read_discrete_inputs 0 x8",
                  c.read_discrete_inputs(0, count=8, device_id=2), bits_eq(u2["di"][0:8]))
        rr = c.write_register(0, 11, device_id=2)
        expect_ok(conn, "FC6 u2 write_register 0 = 11", rr,
                  lambda r: (r.address == 0 and r.registers == [11], f"echo addr={r.address} {r.registers}"))
        u2["hr"][0] = 11
        expect_exc(conn, "FC1 u1 read_coils 5000 x2",
                   c.read_coils(5000, count=2, device_id=1), 0x81, 2)


def connect(name):
    c = ModbusTcpClient(HOST, port=PORT, timeout=3, retries=0, reconnect_delay=0, name=name)
    if not c.connect():
        print(f"cannot connect to {HOST}:{PORT}", file=sys.stderr)
        sys.exit(2)
    return c


def main() -> int:
    # Connection 1: HMI
    c = connect("hmi")
    conn = "c1"
    expect_ok(conn, "FC43/14 u1 read_device_id basic", c.read_device_information(
        read_code=0x01, object_id=0x00, device_id=1),
        lambda r: (r.information == IDENT, f"objects {r.information}"))
    expect_ok(conn, "FC17 u1 report_server_id", c.report_device_id(device_id=1),
              lambda r: (r.identifier == b"OTSensor Test Works-OTS-PLC-1.0" and r.status,
                         f"id={r.identifier!r} run={r.status}"))
    expect_ok(conn, "FC8/0 u1 diag return_query_data A537", c.diag_query_data(
        b"\xa5\x37", device_id=1),
        lambda r: (r.sub_function_code == 0 and r.message == b"\xa5\x37",
                   f"sub={r.sub_function_code} echo={r.message.hex()}"))
    for k in range(CYCLES):
        if k:
            time.sleep(POLL_INTERVAL)
        poll_cycle(c, conn, k)
        operator_actions(c, conn, k)
    c.close()
    time.sleep(0.2)

    # Connection 2: engineering tool, short session to unit 2
    c = connect("eng")
    conn = "c2"
    expect_ok(conn, "FC43/14 u2 read_device_id basic", c.read_device_information(
        read_code=0x01, object_id=0x00, device_id=2),
        lambda r: (r.information == IDENT, f"objects {r.information}"))
    expect_ok(conn, "FC3 u2 read_holding_registers 0 x4",
              c.read_holding_registers(0, count=4, device_id=2), regs_eq(model[2]["hr"][0:4]))
    c.close()

    bad = [line for ok, line in results if not ok]
    print(f"summary: {len(results)} transactions, {len(results) - len(bad)} as expected, "
          f"{len(bad)} unexpected", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
