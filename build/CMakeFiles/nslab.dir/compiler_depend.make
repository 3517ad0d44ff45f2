# Empty compiler generated dependencies file for nslab.
# This may be replaced when dependencies are built.
