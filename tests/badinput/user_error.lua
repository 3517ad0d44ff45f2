-- expect: 3: the lab author's own message
lab:host "a"
error("the lab author's own message")
