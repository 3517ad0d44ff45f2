
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/addr.c" "CMakeFiles/nslab_kernel.dir/src/addr.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/addr.c.o.d"
  "/work/main/src/cidr.c" "CMakeFiles/nslab_kernel.dir/src/cidr.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/cidr.c.o.d"
  "/work/main/src/err.c" "CMakeFiles/nslab_kernel.dir/src/err.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/err.c.o.d"
  "/work/main/src/exec.c" "CMakeFiles/nslab_kernel.dir/src/exec.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/exec.c.o.d"
  "/work/main/src/journal.c" "CMakeFiles/nslab_kernel.dir/src/journal.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/journal.c.o.d"
  "/work/main/src/link.c" "CMakeFiles/nslab_kernel.dir/src/link.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/link.c.o.d"
  "/work/main/src/nat.c" "CMakeFiles/nslab_kernel.dir/src/nat.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/nat.c.o.d"
  "/work/main/src/netns.c" "CMakeFiles/nslab_kernel.dir/src/netns.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/netns.c.o.d"
  "/work/main/src/nlerr.c" "CMakeFiles/nslab_kernel.dir/src/nlerr.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/nlerr.c.o.d"
  "/work/main/src/paths.c" "CMakeFiles/nslab_kernel.dir/src/paths.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/paths.c.o.d"
  "/work/main/src/route.c" "CMakeFiles/nslab_kernel.dir/src/route.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/route.c.o.d"
  "/work/main/src/sysctl.c" "CMakeFiles/nslab_kernel.dir/src/sysctl.c.o" "gcc" "CMakeFiles/nslab_kernel.dir/src/sysctl.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
