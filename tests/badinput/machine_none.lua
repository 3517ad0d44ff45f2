-- expect: 2: unknown machine "m2" (declare it first: lab:machine("NAME", { ssh = ..., underlay = ... }))
lab:host("a", { on = "m2" })
