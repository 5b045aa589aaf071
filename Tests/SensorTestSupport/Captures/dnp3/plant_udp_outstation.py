#!/usr/bin/env python3
"""DNP3/UDP outstation (address 1) for the OTSensor plant-dnp3-udp capture (yadnp3 3.2.1.4,
the opendnp3 3.x binding; import name "opendnp3").

UDP channel 127.0.0.1:20000 <-> master at 127.0.0.1:20001. 4 binary inputs, 4
binary outputs, 4 analog inputs and 4 counters with fixed values (opendnp3's
default classes: inputs report events). A CROB on any binary output makes two
fixed point changes 0.3 s later, which opendnp3 reports unsolicited (FC 130).

Usage: plant_udp_outstation.py [LOCAL_PORT] [MASTER_PORT]   (default 20000 20001)
"""

import signal
import sys
import threading

import opendnp3 as o

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
MASTER_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 20001


class Listener(o.IChannelListener):
    def OnStateChange(self, state):
        print(f"channel {state}", flush=True)


class Commands(o.ICommandHandler):
    """Accept every control; a CROB triggers the scripted point changes."""

    def Begin(self):
        pass

    def End(self):
        pass

    def Select(self, cmd, index):
        return o.CommandStatus.SUCCESS

    def Operate(self, cmd, index, handler, optype):
        print(f"operate {type(cmd).__name__} index={index}", flush=True)
        if isinstance(cmd, o.ControlRelayOutputBlock):
            threading.Timer(0.3, change_points).start()
        return o.CommandStatus.SUCCESS


def apply(updates, mode=o.EventMode.Detect):
    ub = o.UpdateBuilder()
    for value, index in updates:
        ub.Update(value, index, mode)
    outstation.Apply(ub.Build())


def change_points():
    apply([(o.Binary(True), 1), (o.Analog(2500.0), 2)])  # -> unsolicited g2 + g32 events


db = o.DatabaseConfig(4)
for name in ("double_binary", "frozen_counter", "analog_output_status",
             "time_and_interval", "octet_string"):
    setattr(db, name, {})  # keep only BI, BO, AI, counters (g50v4 would be "malformed" in Wireshark 4.0)
cfg = o.OutstationStackConfig(db)
cfg.outstation.params.allowUnsolicited = True
# On enable opendnp3 sends a null unsolicited response (restart); the master is not up
# yet, so it goes unconfirmed and reads wait for the confirm timeout: keep that short.
cfg.outstation.params.unsolConfirmTimeout = o.TimeDuration.Seconds(1)
cfg.outstation.eventBufferConfig = o.EventBufferConfig.AllTypes(100)  # default capacity is 0: no events
cfg.link.LocalAddr, cfg.link.RemoteAddr = 1, 2

mgr = o.DNP3Manager(1)
listener, commands, app = Listener(), Commands(), o.IOutstationApplication()  # keep references
channel = mgr.AddUDPChannel("outstation", o.levels.NORMAL, o.ChannelRetry.Default(),
                            o.IPEndpoint("127.0.0.1", PORT), o.IPEndpoint("127.0.0.1", MASTER_PORT),
                            listener)
outstation = channel.AddOutstation("outstation", commands, app, cfg)
apply([(o.Binary(i == 0), i) for i in range(4)] + [(o.Analog(1000.0 + 10 * i), i) for i in range(4)]
      + [(o.Counter(100 * (i + 1)), i) for i in range(4)]
      + [(o.BinaryOutputStatus(False), i) for i in range(4)], o.EventMode.Suppress)  # no start-up events
outstation.Enable()

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
mgr.Shutdown()
