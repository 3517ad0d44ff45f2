# Empty compiler generated dependencies file for nslab_core_module.
# This may be replaced when dependencies are built.
