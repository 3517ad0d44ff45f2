-- expect: 3: raw nft on the host cannot be undone on teardown; use host:nft_rule(chain, rule) or masquerade/snat/dnat/forward, which live in the lab's own table
local host = lab:host "host"
host:nft "flush ruleset"
