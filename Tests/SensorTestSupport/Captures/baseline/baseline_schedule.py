"""Timing shared by the baseline capture peers (standard library only).

Capture time: seconds after the capture's start, as they read once the pcap's
timestamps have been stretched by FACTOR (pcap_timescale.py). The peers run in
real time FACTOR times faster: capture time t happens at wall-clock time
T0 + t / FACTOR. T0 (a Unix time) and FACTOR come from the record script, so
every process of one capture (server, clients) shares one clock.

Poll schedules are fixed grids with seeded jitter: the k-th poll of a poller
with period P and first nominal time A is at A + k*P + u*P, u uniform in
[-JITTER, +JITTER] from random.Random("<SEED>/<poller name>"). The grid does
not drift, the intervals lie within P*(1 +- 2*JITTER), and the schedule is the
same on every run and in every capture (a 10-minute attack capture repeats the
first 10 minutes of the normal capture's schedule).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

SEED = "otsensor-baseline-1"
JITTER = 0.03


class Clock:
    def __init__(self, t0: float, factor: float) -> None:
        self.t0 = t0
        self.factor = factor
        self.late: list[float] = []  # capture seconds each event started after its time

    def wall(self, t: float) -> float:
        return self.t0 + t / self.factor

    def now(self) -> float:
        return (time.time() - self.t0) * self.factor

    def sleep_until(self, t: float) -> None:
        while (d := self.wall(t) - time.time()) > 0:
            time.sleep(d)
        self.late.append(self.now() - t)

    async def async_sleep_until(self, t: float) -> None:
        while (d := self.wall(t) - time.time()) > 0:
            await asyncio.sleep(d)
        self.late.append(self.now() - t)

    def lateness(self) -> str:
        if not self.late:
            return "no events"
        s = sorted(self.late)
        return (f"{len(s)} events started late by (capture s) median {s[len(s) // 2]:.4f}, "
                f"p99 {s[min(len(s) - 1, int(len(s) * 0.99))]:.4f}, max {s[-1]:.4f}")


def periodic(name: str, period: float, first: float, until: float,
             jitter: float = JITTER) -> Iterator[float]:
    """Capture times of a jittered periodic poller, first nominal time `first`, all < until."""
    rng = random.Random(f"{SEED}/{name}")
    k = 0
    while True:
        t = first + k * period + rng.uniform(-jitter, jitter) * period
        if first + k * period - jitter * period >= until:
            return
        if t < until:
            yield t
        k += 1


def rng(name: str) -> random.Random:
    """A seeded generator for values (setpoints and the like)."""
    return random.Random(f"{SEED}/{name}/values")


@dataclass(order=True)
class Event:
    t: float
    order: int
    label: str = field(compare=False)
    run: Callable = field(compare=False)


class Schedule:
    """Events of one connection, executed strictly in time order (one request at a time)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, t: float, label: str, run: Callable) -> None:
        self.events.append(Event(t, len(self.events), label, run))

    def add_periodic(self, name: str, period: float, first: float, until: float,
                     run: Callable, skip: Callable[[float], bool] = lambda t: False) -> None:
        for t in periodic(name, period, first, until):
            if not skip(t):
                self.add(t, name, run)

    def sorted(self) -> list[Event]:
        return sorted(self.events)

    def dump(self, who: str) -> None:
        for e in self.sorted():
            print(f"plan {who} {e.t:10.4f} {e.label}", flush=True)
