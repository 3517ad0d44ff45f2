-- A lab whose state is compared with a saved one (state_spec): hosts, a
-- router with masquerading (nft rules with counters), routes, a daemon.
-- lab:expect_state compares with state/stateful.json beside this file
-- (NSLAB_SAVE_STATE=1 writes it); STATE_TWEAK=addr changes an address
-- before the comparison, to prove a difference is caught.
local a = lab:host "a"
local r = lab:router "r"
local b = lab:host "b"
lab:link(a, r, { "10.93.1.2/24", "10.93.1.1/24" })
lab:link(b, r, { "10.93.2.2/24", "10.93.2.1/24" })
a:route("default", "10.93.1.1")
b:route("default", "10.93.2.1")
r:masquerade { src = "10.93.1.0/24" }
b:spawn "socat TCP-LISTEN:8093,reuseaddr,fork SYSTEM:true"
lab:expect_reach(a, b)
if os.getenv("STATE_TWEAK") == "addr" then
  a:exec("ip addr add 10.93.1.9/24 dev eth0", { check = true })
end
lab:expect_state(os.getenv("STATE_FILE") or "state/stateful.json")
