-- expect: 6: BIRD in node "r" refused its config: syntax error, unexpected CF_SYM_UNDEFINED (bird.conf line 3, column 1)
local r = lab:router "r"
r:bird { config = [[
router id 10.0.0.1;
protocol device { }
protcol kernel { ipv4; }
]] }
