#!/usr/bin/python3
"""pyroute2 contender of the nslab bench.

    pyroute2_lab.py linear|star|down N PREFIX

Same topologies as floor.c, written the way the pyroute2 documentation
suggests for speed: netns.create() pins a named namespace (iproute2's way),
pushns()/popns() open one IPRoute socket inside each namespace, veth pairs
are created with the peer placed by net_ns_fd, nothing passes through the
host namespace.  Teardown is netns.remove() of every pin.
"""
import os
import sys

from pyroute2 import IPRoute, netns


def addr30(idx, end):
    base = idx * 4
    return "10.%d.%d.%d" % ((base >> 16) & 255, (base >> 8) & 255, (base & 255) + end)


class Node:
    def __init__(self, name):
        self.name = name
        netns.create(name)
        netns.pushns(name)
        try:
            self.ipr = IPRoute()
        finally:
            netns.popns()
        self.fd = os.open("/run/netns/" + name, os.O_RDONLY)
        self.ipr.link("set", index=1, state="up")

    def up_addr(self, ifname, address, prefixlen):
        idx = self.ipr.link_lookup(ifname=ifname)[0]
        self.ipr.link("set", index=idx, state="up")
        self.ipr.addr("add", index=idx, address=address, prefixlen=prefixlen)
        return idx

    def close(self):
        self.ipr.close()
        os.close(self.fd)


def linear(n, p):
    prev = None
    for i in range(1, n + 1):
        cur = Node("%s%d" % (p, i))
        if prev:
            prev.ipr.link("add", ifname="eth1", kind="veth",
                          peer={"ifname": "eth0", "net_ns_fd": cur.fd})
            prev.up_addr("eth1", addr30(i - 2, 1), 30)
            cur.up_addr("eth0", addr30(i - 2, 2), 30)
            prev.close()
        prev = cur
    prev.close()


def star(n, p):
    sw = Node(p + "sw")
    sw.ipr.link("add", ifname="br0", kind="bridge")
    br = sw.ipr.link_lookup(ifname="br0")[0]
    sw.ipr.link("set", index=br, state="up")
    for i in range(1, n + 1):
        cur = Node("%s%d" % (p, i))
        port = "p%d" % i
        sw.ipr.link("add", ifname=port, kind="veth",
                    peer={"ifname": "eth0", "net_ns_fd": cur.fd})
        idx = sw.ipr.link_lookup(ifname=port)[0]
        sw.ipr.link("set", index=idx, master=br, state="up")
        cur.up_addr("eth0", "10.0.%d.%d" % (i // 256, i % 256), 16)
        cur.close()
    sw.close()


def down(n, p):
    names = ["%s%d" % (p, i) for i in range(1, n + 1)]
    if os.path.exists("/run/netns/%ssw" % p):
        names.append(p + "sw")
    for name in names:
        netns.remove(name)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("linear", "star", "down"):
        sys.exit("usage: pyroute2_lab.py linear|star|down N PREFIX")
    topo, n, p = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if not p.startswith("nsb"):
        sys.exit("pyroute2_lab.py: PREFIX must start with nsb")
    {"linear": linear, "star": star, "down": down}[topo](n, p)


if __name__ == "__main__":
    main()
