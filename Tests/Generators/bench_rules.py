#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes N generated rules for the rule-matching benchmark (Packaging/bench.sh): half DNP3 (a function and an
object group/variation each), half Modbus (a unit and a function each), drawn with a fixed seed from the functions
and objects a plant uses, so some match the generated workloads and most do not. Standard library only.

Usage: bench_rules.py [N] > gen.rules      (N defaults to 1000)
"""
import random
import sys

DNP3_FUNCTIONS = ["read", "write", "select", "operate", "direct_operate", "cold_restart", "warm_restart",
                  "enable_unsolicited", "disable_unsolicited", "response", "unsolicited_response"]
DNP3_OBJECTS = [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (2, 4), (10, 2), (10, 3), (10, 4), (12, 1), (20, 1),
                (20, 2), (30, 1), (30, 2), (30, 4), (32, 1), (32, 2), (32, 4), (40, 1), (40, 4), (41, 1), (50, 1),
                (50, 2), (60, 1), (60, 2), (60, 3), (60, 4), (80, 1)]
MODBUS_FUNCTIONS = [1, 2, 3, 4, 5, 6, 8, 12, 14, 15, 16, 19, 22, 23, 24, 43]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(1)
    sid = 9_000_001
    for _ in range(count // 2):
        group, variation = rng.choice(DNP3_OBJECTS)
        print(f'alert dnp3 any any -> any any (msg:"gen {sid}"; dnp3_func:{rng.choice(DNP3_FUNCTIONS)}; '
              f'dnp3_obj:{group},{variation}; sid:{sid};)')
        sid += 1
    for _ in range(count - count // 2):
        print(f'alert modbus any any -> any any (msg:"gen {sid}"; modbus: unit {rng.randrange(0, 248)}, '
              f'function {rng.choice(MODBUS_FUNCTIONS)}; sid:{sid};)')
        sid += 1


if __name__ == "__main__":
    main()
