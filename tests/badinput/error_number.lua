-- expect: 3: error(42): raise a message, like error("what went wrong")
lab:host "a"
error(42)
