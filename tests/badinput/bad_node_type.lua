-- expect: 2: node name must be a string, got number
lab:host(42)
