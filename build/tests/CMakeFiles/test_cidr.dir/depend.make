# Empty dependencies file for test_cidr.
# This may be replaced when dependencies are built.
