file(REMOVE_RECURSE
  "CMakeFiles/nslab_lua.dir/src/lua_addr.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_addr.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_core.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_core.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_exec.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_exec.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_journal.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_journal.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_link.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_link.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_nat.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_nat.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_netns.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_netns.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_route.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_route.c.o.d"
  "CMakeFiles/nslab_lua.dir/src/lua_sysctl.c.o"
  "CMakeFiles/nslab_lua.dir/src/lua_sysctl.c.o.d"
  "libnslab_lua.a"
  "libnslab_lua.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nslab_lua.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
