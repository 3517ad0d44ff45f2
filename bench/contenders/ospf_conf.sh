#!/bin/sh
# ospf_conf.sh I N - the frr.conf of router I of bench/ospf's N-router ring,
# for both sides (ospf_ip.sh writes it to a file, the nslab lab reads it
# from this script's output). The same text labs/ospf-ring.lua gives its
# routers: hellos every second on point-to-point links (no DR election to
# wait for), LSAs originated and accepted at once, SPF without delay.
i=$1
cat <<CONF
hostname r$i
interface eth0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 3
interface eth1
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 3
router ospf
 ospf router-id 10.255.0.$i
 network 10.0.0.0/8 area 0
 timers throttle spf 0 50 1000
 timers throttle lsa all 0
 timers lsa min-arrival 0
CONF
