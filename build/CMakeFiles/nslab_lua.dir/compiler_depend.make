# Empty compiler generated dependencies file for nslab_lua.
# This may be replaced when dependencies are built.
