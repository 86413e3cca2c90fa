# Driven by ctest: builds tests/packaging/consumer against aegan in MODE find_package (after
# installing into a scratch prefix) or add_subdirectory, then runs the consumer. Both modes build
# it as a strict user would (warnings as errors, see its CMakeLists): find_package for the
# compiler's baseline ISA, add_subdirectory with -march=native.
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/${MODE})
file(REMOVE_RECURSE ${build})
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "packaging (${MODE}): `${ARGV}` failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()
if(MODE STREQUAL "find_package")
  file(REMOVE_RECURSE ${prefix} ${WORK_DIR}/aegan-build)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/aegan-build -DCMAKE_INSTALL_PREFIX=${prefix}
      -DAEGAN_BUILD_TESTS=OFF -DAEGAN_BUILD_EXAMPLES=OFF -DAEGAN_BUILD_BENCHMARKS=OFF -DAEGAN_INSTALL=ON)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/aegan-build)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/packaging/consumer -B ${build} -DCMAKE_PREFIX_PATH=${prefix}
      -DAEGAN_CONSUMER_STRICT=ON)
else()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/packaging/consumer -B ${build} -DAEGAN_SOURCE_DIR=${SOURCE_DIR}
      -DAEGAN_CONSUMER_STRICT=ON -DAEGAN_CONSUMER_MARCH=-march=native)
endif()
run(${CMAKE_COMMAND} --build ${build})
run(${build}/consumer)
run(${build}/consumer_inference)
message(STATUS "packaging (${MODE}): consumer built and trained; inference consumer saved, loaded and sampled a model")
