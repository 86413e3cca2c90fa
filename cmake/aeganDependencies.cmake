# Finds what aegan::aegan links. Used by the build tree and by the installed aeganConfig.cmake,
# so a consumer gets exactly the same dependencies as the library's own tests.
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.4 NO_MODULE)
find_dependency(OpenMP)
find_dependency(ZLIB)
if(NOT TARGET aegan::stb)
  # Debian's libstb-dev ships the stb implementations compiled into libstb, so no translation
  # unit of the user's has to define STB_IMAGE_WRITE_IMPLEMENTATION.
  find_path(AEGAN_STB_INCLUDE_DIR stb_image_write.h PATH_SUFFIXES stb)
  find_library(AEGAN_STB_LIBRARY stb)
  if(NOT AEGAN_STB_INCLUDE_DIR OR NOT AEGAN_STB_LIBRARY)
    message(FATAL_ERROR "aegan: stb_image_write not found (install Debian's libstb-dev)")
  endif()
  add_library(aegan::stb UNKNOWN IMPORTED)
  set_target_properties(aegan::stb PROPERTIES
    IMPORTED_LOCATION "${AEGAN_STB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${AEGAN_STB_INCLUDE_DIR}")
endif()
