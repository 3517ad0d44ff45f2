file(REMOVE_RECURSE
  "CMakeFiles/nslab_kernel.dir/src/addr.c.o"
  "CMakeFiles/nslab_kernel.dir/src/addr.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/cidr.c.o"
  "CMakeFiles/nslab_kernel.dir/src/cidr.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/err.c.o"
  "CMakeFiles/nslab_kernel.dir/src/err.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/exec.c.o"
  "CMakeFiles/nslab_kernel.dir/src/exec.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/journal.c.o"
  "CMakeFiles/nslab_kernel.dir/src/journal.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/link.c.o"
  "CMakeFiles/nslab_kernel.dir/src/link.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/nat.c.o"
  "CMakeFiles/nslab_kernel.dir/src/nat.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/netns.c.o"
  "CMakeFiles/nslab_kernel.dir/src/netns.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/nlerr.c.o"
  "CMakeFiles/nslab_kernel.dir/src/nlerr.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/paths.c.o"
  "CMakeFiles/nslab_kernel.dir/src/paths.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/route.c.o"
  "CMakeFiles/nslab_kernel.dir/src/route.c.o.d"
  "CMakeFiles/nslab_kernel.dir/src/sysctl.c.o"
  "CMakeFiles/nslab_kernel.dir/src/sysctl.c.o.d"
  "libnslab_kernel.a"
  "libnslab_kernel.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nslab_kernel.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
