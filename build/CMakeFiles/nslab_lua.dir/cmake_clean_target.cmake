file(REMOVE_RECURSE
  "libnslab_lua.a"
)
