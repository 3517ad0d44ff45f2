-- expect: 3: bad node name "a/b" (use letters, digits, '-' and '_', starting with a letter or digit)
lab:host "ok"
lab:host "a/b"
