#!/bin/sh
# ospf_conf.sh I N - the frr.conf of router I of bench/ospf's N-router ring,
# for both sides (ospf_ip.sh writes it to a file, the nslab lab reads it
# from this script's output).  Fast timers: hellos every second on
# point-to-point links (no DR election to wait for), LSAs originated and
# accepted at once, SPF run without delay.
i=$1
cat <<CONF
frr defaults traditional
hostname r$i
!
interface eth0
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
!
interface eth1
 ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
!
router ospf
 ospf router-id 10.255.0.$i
 timers throttle spf 0 50 1000
 timers throttle lsa all 0
 timers lsa min-arrival 0
 network 10.0.0.0/16 area 0
 network 10.255.0.0/24 area 0
!
CONF
