# The Debian package: `cpack -G DEB` in the build directory makes
# nslab_VERSION_ARCH.deb with what `cmake --install` installs — nslab, the
# nslab.core module for plain lua5.4, the Lua library (sources and
# bytecode), the seed labs, the man page, the bash completion and the docs.
# The paths compiled into nslab are those of CMAKE_INSTALL_PREFIX, so the
# package is laid out under that same prefix: configure with
# -DCMAKE_INSTALL_PREFIX=/usr for a package (scripts/package does).
#
# Dependencies: the libraries nslab links are found by dpkg-shlibdeps;
# those it opens on first use (src/kernel/lazylib.c: libnftables, libpcap,
# readline) are asked of dpkg (which package holds the soname the build
# found), so the names fit the distribution built on (Debian 12's
# libpcap0.8, Ubuntu 24.04's libpcap0.8t64). The rest are the Lua modules
# and the programs the library runs inside nodes (ip, ping, socat).

# The Debian package that holds the library file named soname beside lib.
function(nslab_deb_package_of var lib soname)
  get_filename_component(dir "${lib}" DIRECTORY)
  get_filename_component(real "${dir}/${soname}" REALPATH)
  set(pkg "")
  # with merged /usr, dpkg may know the file under /lib rather than /usr/lib
  foreach(p "${dir}/${soname}" "${real}")
    string(REGEX REPLACE "^/usr/lib/" "/lib/" alt "${p}")
    foreach(q "${p}" "${alt}")
      if(NOT pkg)
        execute_process(COMMAND dpkg-query -S "${q}" OUTPUT_VARIABLE out ERROR_QUIET
          RESULT_VARIABLE rc)
        if(rc EQUAL 0)
          string(REGEX MATCH "^[^:,]+" pkg "${out}")
        endif()
      endif()
    endforeach()
  endforeach()
  set(${var} "${pkg}" PARENT_SCOPE)
endfunction()

set(NSLAB_DEB_DEPENDS "lua-argparse, lua-cjson, iproute2, iputils-ping, socat")
find_program(NSLAB_DPKG_QUERY dpkg-query)
if(NSLAB_DPKG_QUERY)
  foreach(lib NFT PCAP READLINE)
    if(lib STREQUAL "NFT")
      set(file "${NFT_LIB}")
      set(so "${NSLAB_SONAME_NFTABLES}")
    elseif(lib STREQUAL "PCAP")
      set(file "${PCAP_LIB}")
      set(so "${NSLAB_SONAME_PCAP}")
    else()
      set(file "${READLINE_LIB}")
      set(so "${NSLAB_SONAME_READLINE}")
    endif()
    nslab_deb_package_of(pkg "${file}" "${so}")
    if(pkg)
      string(APPEND NSLAB_DEB_DEPENDS ", ${pkg}")
    else()
      message(WARNING "package: no Debian package holds ${so}; it is left out of Depends")
    endif()
  endforeach()
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "nslab")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "nslab")
set(CPACK_PACKAGE_CONTACT "nslab maintainers <nslab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network labs in Lua: namespaces, links, routes, NAT, checks")
set(CPACK_PACKAGE_DESCRIPTION
  "nslab builds network labs (hosts, routers, switches, links, routes, NAT, shaping) in Linux\n\
network namespaces from Lua 5.4 scripts, checks them with real packets, and reports the\n\
checks as TAP, JUnit or JSON for CI (`nslab test`).")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${NSLAB_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables, tcpdump")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz, iperf3, frr, bird2")
include(CPack)
