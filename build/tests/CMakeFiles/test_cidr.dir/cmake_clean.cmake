file(REMOVE_RECURSE
  "CMakeFiles/test_cidr.dir/unit/test_cidr.c.o"
  "CMakeFiles/test_cidr.dir/unit/test_cidr.c.o.d"
  "test_cidr"
  "test_cidr.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_cidr.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
