#!/usr/bin/env python3
"""DNP3/UDP master (address 2) for the OTSensor plant-dnp3-udp capture (yadnp3 3.2.1.4).

UDP channel 127.0.0.1:20001 <-> outstation at 127.0.0.1:20000. On enable opendnp3
runs its start-up tasks itself: DISABLE_UNSOLICITED, integrity poll (class
1,2,3,0), ENABLE_UNSOLICITED, and it confirms unsolicited responses. The
script then sends, 0.5 s apart: a range READ g30v1 0..3, a CROB DIRECT_OPERATE
(latch on BO 0; the outstation answers with two point changes, sent
unsolicited) and, after 2 s, an event class poll.

Usage: plant_udp_master.py [LOCAL_PORT] [OUTSTATION_PORT]   (default 20001 20000)
"""

import sys
import time

import opendnp3 as o

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 20001
OUTSTATION_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
seen: list[str] = []


class Listener(o.IChannelListener):
    def OnStateChange(self, state):
        print(f"channel {state}", flush=True)


class SOE(o.ISOEHandler):
    def BeginFragment(self, info):
        self.uns = info.unsolicited

    def EndFragment(self, info):
        pass

    def Process(self, header, values):
        line = f"{'unsolicited' if self.uns else 'response'} g{header.gv}: " + ", ".join(
            f"{v.index}={v.value.value}" for v in values)
        seen.append(line)
        print(line, flush=True)


class App(o.IMasterApplication):
    def OnTaskComplete(self, info):
        print(f"task {info.type.name}: {info.result.name}", flush=True)

    def OnReceiveIIN(self, iin):
        pass

    def AssignClassDuringStartup(self):
        return False

    def Now(self):  # without it opendnp3 time-syncs to epoch 0
        return o.UTCTimestamp(int(time.time() * 1000))


def on_command(result):
    print(f"command {result.summary}", flush=True)


cfg = o.MasterStackConfig()
cfg.master.disableUnsolOnStartup = True
cfg.link.LocalAddr, cfg.link.RemoteAddr = 2, 1
mgr = o.DNP3Manager(1)
listener, soe, app = Listener(), SOE(), App()  # keep references while the stack runs
channel = mgr.AddUDPChannel("master", o.levels.NORMAL, o.ChannelRetry.Default(),
                            o.IPEndpoint("127.0.0.1", PORT), o.IPEndpoint("127.0.0.1", OUTSTATION_PORT),
                            listener)
master = channel.AddMaster("master", soe, app, cfg)
master.Enable()
time.sleep(3)  # start-up tasks, including the outstation's 1 s unsolicited confirm wait
master.ScanRange(o.GroupVariationID(30, 1), 0, 3, soe)
time.sleep(0.5)
master.DirectOperate(o.ControlRelayOutputBlock(o.OperationType.LATCH_ON), 0, on_command)
time.sleep(2)
master.ScanClasses(o.ClassField.AllEventClasses(), soe)
time.sleep(0.5)
mgr.Shutdown()
ok = any(s.startswith("unsolicited") for s in seen)
print(f"summary: {len(seen)} object headers, unsolicited {'seen' if ok else 'MISSING'}", flush=True)
sys.exit(0 if ok else 1)
