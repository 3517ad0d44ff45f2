-- Seed 002, OpenStack Neutron's use of namespaces: two tenants with the
-- same private network 10.1.1.0/24, each behind its own qrouter-… and
-- qdhcp-… namespaces, each reaching the outside world through its own
-- router's SNAT, and no packet ever crossing from one tenant to the other.
-- Run it:  nslab run labs/tenants.lua
-- Then, as in the article:  ip netns list
--                           ip netns exec tenants.qrouter-e945b6b1-54be-49ef-95ed-5d524d2f3616 ip addr
--
-- Tenant A's names are the article's (qrouter-e945b6b1…, qdhcp-dae14f7d…,
-- qg-e5b9712e-b0 172.16.100.30, qr-76de6d23-a8 10.1.1.1); tenant B's are
-- made up the same way. Each tenant network is a bridge of its own
-- (Neutron's linuxbridge agent names them brq<network id>), the external
-- network is br-ex, and "internet" stands for the world beyond it.

local internet = lab:host "internet"
local br_ex = lab:switch "br-ex"
lab:link(internet, br_ex, { "172.16.100.1/24" })

local TENANTS = {
  { name = "a", router = "e945b6b1-54be-49ef-95ed-5d524d2f3616", net = "dae14f7d-c7f9-4dbc-9635-603f0fbc3f09",
    qg = "qg-e5b9712e-b0", qr = "qr-76de6d23-a8", tap = "tap3b4f1e2a-9c", vm_tap = "tap0c6d2e1f-41",
    ext = "172.16.100.30" },
  { name = "b", router = "5a3c9f21-7d2e-4b8a-9c1f-3e6d8b0a2c47", net = "8f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
    qg = "qg-1d7f0a93-5e", qr = "qr-8c2b4e6f-1a", tap = "tap9e8d7c6b-5a", vm_tap = "tap47a1b2c3-d4",
    ext = "172.16.100.31" },
}

for _, t in ipairs(TENANTS) do
  -- ip netns list: qrouter-<router id>, qdhcp-<network id>
  t.qrouter = lab:router("qrouter-" .. t.router)
  t.qdhcp = lab:host("qdhcp-" .. t.net)
  t.vm = lab:host("vm-" .. t.name)          -- an instance on the tenant network
  -- the tenant network, the same prefix for both tenants
  local brq = "brq" .. t.net:sub(1, 11)
  t.network = lab:switch(brq, { ifname = brq })
  lab:link(t.qrouter, t.network, { "10.1.1.1/24" }, { names = { t.qr } })
  lab:link(t.qdhcp, t.network, { "10.1.1.2/24" }, { names = { t.tap } })
  lab:link(t.vm, t.network, { "10.1.1.3/24" }, { names = { "eth0", t.vm_tap } })
  t.vm:route("default", "10.1.1.1")
  -- the router's gateway port on the external network, and its SNAT
  lab:link(t.qrouter, br_ex, { t.ext .. "/24" }, { names = { t.qg } })
  t.qrouter:route("default", "172.16.100.1")
  t.qrouter:snat { src = "10.1.1.0/24", out = t.qg, to = t.ext }
end

-- The article's `ip netns exec qrouter-… ifconfig`: the router holds the
-- gateway port 172.16.100.30 and the tenant port 10.1.1.1.
local a, b = TENANTS[1], TENANTS[2]
local addrs = a.qrouter:exec("ip -br addr").out
lab:check("qrouter-e945b6b1… holds qg-e5b9712e-b0 172.16.100.30 and qr-76de6d23-a8 10.1.1.1",
  addrs:find("qg%-e5b9712e%-b0%S*%s+UP%s+172%.16%.100%.30/24") and addrs:find("qr%-76de6d23%-a8%S*%s+UP%s+10%.1%.1%.1/24"),
  addrs)

for _, t in ipairs(TENANTS) do
  -- the same address, 10.1.1.2, is each tenant's own qdhcp namespace
  t.qdhcp:spawn "socat TCP-LISTEN:67,reuseaddr,fork SYSTEM:hostname"
  local answer = lab:eventually(function()
    local ok, out = t.vm:connect("10.1.1.2", 67)
    return ok and out:match("%S+")
  end)
  lab:check(("vm-%s's 10.1.1.2 is its own tenant's qdhcp-%s…"):format(t.name, t.net:sub(1, 8)),
    answer == "qdhcp-" .. t.net, "answered by " .. tostring(answer))
  -- each tenant reaches the internet through its own router's SNAT
  lab:expect_nat(t.vm, internet, { as = t.ext })
end

-- No packet crosses tenants: every instance listens for UDP on port 9999;
-- each tenant's qdhcp broadcasts on its network and sends to 10.1.1.3.
-- The tenant's own instance hears it (the control); the other hears
-- nothing.
for _, t in ipairs(TENANTS) do
  t.listener = t.vm:spawn "socat -u UDP-RECV:9999,reuseaddr -"
end
for _, t in ipairs(TENANTS) do
  lab:eventually(function() return t.vm:exec("ss -Hunl").out:find(":9999", 1, true) end)
end
for _, t in ipairs(TENANTS) do
  t.qdhcp:exec(("echo from-tenant-%s | socat -u - UDP-DATAGRAM:10.1.1.255:9999,broadcast"):format(t.name))
  t.qdhcp:exec(("echo from-tenant-%s | socat -u - UDP:10.1.1.3:9999"):format(t.name))
end
for _, t in ipairs(TENANTS) do
  local other = t == a and b or a
  local heard = lab:eventually(function()
    local out = t.listener:output()
    local _, n = out:gsub("from%-tenant%-" .. t.name, "")
    return n >= 2 and out
  end)
  lab:check(("vm-%s hears both datagrams of its own tenant"):format(t.name), heard,
    "heard: " .. t.listener:output())
  lab:check(("vm-%s hears nothing from tenant %s"):format(t.name, other.name),
    heard and not heard:find("from-tenant-" .. other.name, 1, true), "heard: " .. t.listener:output())
end

print()
print("ip netns list (this lab's part):")
for _, n in ipairs(lab.order) do
  if n.name:match("^q") then print("  " .. n.netns) end
end
