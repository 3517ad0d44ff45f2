# Empty dependencies file for nslab_kernel.
# This may be replaced when dependencies are built.
