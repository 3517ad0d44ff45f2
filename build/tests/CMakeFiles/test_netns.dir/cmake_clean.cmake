file(REMOVE_RECURSE
  "CMakeFiles/test_netns.dir/unit/test_netns.c.o"
  "CMakeFiles/test_netns.dir/unit/test_netns.c.o.d"
  "test_netns"
  "test_netns.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_netns.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
