-- expect: 3: a message raised without its position
lab:host "a"
error("a message raised without its position", 0)
