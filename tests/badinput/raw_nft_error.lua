-- expect: 3: nft in raw_nft_error.r: Error: syntax error, unexpected newline
local r = lab:router "r"
r:nft "add rule inet nslab forward"
