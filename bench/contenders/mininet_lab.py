#!/usr/bin/python3
"""Mininet 2.3 contender of the nslab bench (Debian package `mininet`).

    mininet_lab.py linear|star N PREFIX

One process, like `nslab run`: builds the topology with Mininet's Python
API (what `mn` does, without its CLI), prints BENCH-READY, waits for one line
on stdin, then stops the network (net.stop()) and exits.

Choices (see docs/bench.md):
- no controller; the switch is Mininet's LinuxBridge (`--switch lxbr`), in a
  subclass whose setup() does not write the host's
  net.bridge.bridge-nf-call-*tables sysctls (LinuxBridge.setup() would);
- linear: hosts joined directly host to host (Mininet allows Host-Host
  links), one /30 per link set through the link's params, so no switch;
- star: N hosts on one LinuxBridge, 10.0.x.y/16.  Mininet switches live in
  the root namespace: the bridge PREFIXsw and its ports PREFIXsw-ethK are
  host interfaces (all named with the bench prefix);
- Mininet hosts are processes in unnamed namespaces, not /run/netns pins.
- autoSetMacs/autoStaticArp off; no pingall; no fixLimits() (it writes host
  sysctls); the open-files limit of this process is raised instead.
"""
import resource
import sys

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.moduledeps import pathCheck


class BenchBridge(LinuxBridge):
    """LinuxBridge without the host-wide bridge-nf sysctl writes."""

    @classmethod
    def setup(cls):
        pathCheck("brctl", moduleName="bridge-utils")


def addr30(idx, end):
    base = idx * 4
    return "10.%d.%d.%d/30" % ((base >> 16) & 255, (base >> 8) & 255, (base & 255) + end)


def build(topo, n, p):
    net = Mininet(topo=None, switch=BenchBridge, controller=None, build=False,
                  autoSetMacs=False, autoStaticArp=False, waitConnected=False)
    hosts = [net.addHost("%s%d" % (p, i), ip=None) for i in range(1, n + 1)]
    if topo == "linear":
        for i in range(n - 1):
            net.addLink(hosts[i], hosts[i + 1],
                        params1={"ip": addr30(i, 1)}, params2={"ip": addr30(i, 2)})
    else:
        sw = net.addSwitch(p + "sw", dpid="1")
        for i, h in enumerate(hosts, 1):
            net.addLink(h, sw, params1={"ip": "10.0.%d.%d/16" % (i // 256, i % 256)})
    net.build()
    net.start()
    return net


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("linear", "star"):
        sys.exit("usage: mininet_lab.py linear|star N PREFIX")
    topo, n, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if not p.startswith("nsb") or len(p) > 6:
        sys.exit("mininet_lab.py: PREFIX must start with nsb, at most 6 bytes "
                 "(interface names are PREFIX<i>-eth<k>)")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    setLogLevel("error")
    net = build(topo, n, p)
    try:
        sys.stdout.write("BENCH-READY\n")
        sys.stdout.flush()
        sys.stdin.readline()
    finally:
        net.stop()


if __name__ == "__main__":
    main()
