-- expect: 3: switch "sw" already exists in lab "duplicate_switch"
lab:switch "sw"
lab:switch "sw"
