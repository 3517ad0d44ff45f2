-- expect: 3: error({ code = 7 }): raise a message, like error("what went wrong"), or give the table a __tostring
lab:host "a"
error({ code = 7 })
