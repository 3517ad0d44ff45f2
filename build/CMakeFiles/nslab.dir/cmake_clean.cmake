file(REMOVE_RECURSE
  "CMakeFiles/nslab.dir/src/main.c.o"
  "CMakeFiles/nslab.dir/src/main.c.o.d"
  "nslab"
  "nslab.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/nslab.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
