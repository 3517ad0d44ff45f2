-- expect: 3: error() without a message: raise a message, like error("what went wrong")
lab:host "a"
local function fail() error() end
fail()
