file(REMOVE_RECURSE
  "libnslab_kernel.a"
)
