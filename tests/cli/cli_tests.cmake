# aegan_failure_test(NAME TARGET EXPECT ARGS...): a ctest entry that runs TARGET's program with ARGS
# and passes only if it exits non-zero with one clear message containing EXPECT, never a crash
# (expect_failure.cmake). The programs' own CMakeLists name their cases through it.
function(aegan_failure_test name target expect)
  string(REPLACE ";" "|" args "${ARGN}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} "-DPROGRAM=$<TARGET_FILE:${target}>" "-DARGS=${args}" "-DEXPECT=${expect}"
            -P ${PROJECT_SOURCE_DIR}/tests/cli/expect_failure.cmake
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endfunction()
