-- expect: 3: private: path "var/run/frr" must be absolute (start with /)
local a = lab:host "a"
a:private "var/run/frr"
