-- expect: 4: the lab's own error object
lab:host "a"
local Err = { __tostring = function(e) return e.text end }
error(setmetatable({ text = "the lab's own error object" }, Err))
