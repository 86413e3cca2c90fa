# Cross-compiles for 64-bit Arm Linux with Debian's cross toolchain (g++-aarch64-linux-gnu, which
# brings the arm64 glibc, libstdc++ and libgomp under /usr/aarch64-linux-gnu), and runs what it
# builds under qemu-user (qemu-aarch64), so ctest and Catch2's test discovery work on an x86-64
# machine. scripts/cross_test.sh uses it, and shows how to configure with it: aegan::aegan also
# links zlib and stb, which Debian has for arm64 only through multiarch, so that script passes
# ZLIB_LIBRARY and AEGAN_STB_LIBRARY itself.
#
# Libraries are looked up only under /usr/aarch64-linux-gnu, so none of the host's x86-64 ones can
# be picked up. Headers and CMake package files are looked up there first, then in the host's
# /usr: the architecture-independent header-only packages (Eigen, Catch2, stb's headers, zlib.h)
# are Debian's ordinary ones, and Debian's cross compiler searches /usr/include after its own
# directories as well.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(AEGAN_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${AEGAN_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${AEGAN_CROSS_TRIPLE}-g++)

set(CMAKE_FIND_ROOT_PATH /usr/${AEGAN_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # build tools are the host's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# ctest, and catch_discover_tests at build time, run the test programs through qemu; -L points
# the emulated dynamic loader at the arm64 libraries.
find_program(AEGAN_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${AEGAN_QEMU_AARCH64} -L /usr/${AEGAN_CROSS_TRIPLE})

# -march=native would describe the x86-64 build machine: never for a cross build.
set(AEGAN_NATIVE OFF CACHE BOOL "Build examples, tests and benchmarks with -march=native (never imposed on aegan::aegan users)")
