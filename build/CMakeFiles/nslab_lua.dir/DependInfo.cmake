
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/lua_addr.c" "CMakeFiles/nslab_lua.dir/src/lua_addr.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_addr.c.o.d"
  "/work/main/src/lua_core.c" "CMakeFiles/nslab_lua.dir/src/lua_core.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_core.c.o.d"
  "/work/main/src/lua_exec.c" "CMakeFiles/nslab_lua.dir/src/lua_exec.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_exec.c.o.d"
  "/work/main/src/lua_journal.c" "CMakeFiles/nslab_lua.dir/src/lua_journal.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_journal.c.o.d"
  "/work/main/src/lua_link.c" "CMakeFiles/nslab_lua.dir/src/lua_link.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_link.c.o.d"
  "/work/main/src/lua_nat.c" "CMakeFiles/nslab_lua.dir/src/lua_nat.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_nat.c.o.d"
  "/work/main/src/lua_netns.c" "CMakeFiles/nslab_lua.dir/src/lua_netns.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_netns.c.o.d"
  "/work/main/src/lua_route.c" "CMakeFiles/nslab_lua.dir/src/lua_route.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_route.c.o.d"
  "/work/main/src/lua_sysctl.c" "CMakeFiles/nslab_lua.dir/src/lua_sysctl.c.o" "gcc" "CMakeFiles/nslab_lua.dir/src/lua_sysctl.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/CMakeFiles/nslab_kernel.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
