# Helpers that make every folder's CMakeLists.txt read like a manifest.
#
#   llmgw_cc_library(NAME config SRCS a.cc b.cc DEPS llmgw::common yaml-cpp::yaml-cpp)
#     -> static library llmgw_config, alias llmgw::config, include/ made public when present.
#   llmgw_cc_binary(NAME llmgw SRCS main.cc DEPS ...)
#   llmgw_cc_test(NAME config_test SRCS loader_test.cc DEPS llmgw::config [LABEL unit] [POSTGRES])
#     POSTGRES: the tests need the real PostgreSQL that the `postgres` ctest fixture starts;
#     they find it in LLMGW_TEST_POSTGRES_URL.
#   llmgw_proto_library(NAME common_proto PROTOS llmgw/common/v1/common.proto [DEPS other_proto] [GRPC])

set(LLMGW_WARNINGS -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
set(LLMGW_PROTO_ROOT ${PROJECT_SOURCE_DIR}/proto)
set(LLMGW_GEN_DIR ${PROJECT_BINARY_DIR}/gen)

function(_llmgw_common_target target)
  target_compile_options(${target} PRIVATE ${LLMGW_WARNINGS})
  # Repository root: services and apps include each other's headers as "services/x/y.h".
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

function(llmgw_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(llmgw_${A_NAME} STATIC ${A_SRCS})
  add_library(llmgw::${A_NAME} ALIAS llmgw_${A_NAME})
  _llmgw_common_target(llmgw_${A_NAME})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_include_directories(llmgw_${A_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  endif()
  target_link_libraries(llmgw_${A_NAME} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
endfunction()

function(llmgw_cc_binary)
  cmake_parse_arguments(A "" "NAME;OUTPUT_NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  _llmgw_common_target(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  if(A_OUTPUT_NAME)
    set_target_properties(${A_NAME} PROPERTIES OUTPUT_NAME ${A_OUTPUT_NAME})
  endif()
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# Tests are discovered before they run (PRE_TEST) so a build never executes test code.
# Only scalar properties go through gtest_discover_tests (CMake 3.25 flattens lists, see
# build-notes P5); LABELS is passed as one word.
function(llmgw_cc_test)
  cmake_parse_arguments(A "POSTGRES" "NAME;LABEL;TIMEOUT" "SRCS;DEPS" ${ARGN})
  if(NOT A_LABEL)
    set(A_LABEL unit)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 60)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  _llmgw_common_target(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} llmgw::testing GTest::gmock GTest::gtest_main)
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  set(extra)
  if(A_POSTGRES)
    set(extra FIXTURES_REQUIRED postgres ENVIRONMENT LLMGW_TEST_POSTGRES_URL=${LLMGW_TEST_POSTGRES_URL})
  endif()
  gtest_discover_tests(${A_NAME}
    DISCOVERY_MODE PRE_TEST
    TEST_PREFIX "${A_NAME}."
    PROPERTIES LABELS ${A_LABEL} TIMEOUT ${A_TIMEOUT} ${extra})
endfunction()

# One protoc run per .proto; generated code lands in build/gen/<import path>.
# Outputs list .grpc.pb.* first: protoc sorts its depfile and Ninja checks the first target.
function(llmgw_proto_library)
  cmake_parse_arguments(A "GRPC" "NAME" "PROTOS;DEPS" ${ARGN})
  set(srcs)
  foreach(rel IN LISTS A_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(outs)
    set(plugin_args)
    set(plugin_deps)
    if(A_GRPC)
      list(APPEND outs ${LLMGW_GEN_DIR}/${stem}.grpc.pb.cc ${LLMGW_GEN_DIR}/${stem}.grpc.pb.h)
      set(plugin_args --grpc_out=${LLMGW_GEN_DIR}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
      set(plugin_deps gRPC::grpc_cpp_plugin)
    endif()
    list(APPEND outs ${LLMGW_GEN_DIR}/${stem}.pb.cc ${LLMGW_GEN_DIR}/${stem}.pb.h)
    add_custom_command(
      OUTPUT ${outs}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${LLMGW_GEN_DIR}
      COMMAND protobuf::protoc --proto_path=${LLMGW_PROTO_ROOT}
              --cpp_out=${LLMGW_GEN_DIR} ${plugin_args}
              --dependency_out=${LLMGW_GEN_DIR}/${stem}.d
              ${LLMGW_PROTO_ROOT}/${rel}
      DEPENDS ${LLMGW_PROTO_ROOT}/${rel} protobuf::protoc ${plugin_deps}
      DEPFILE ${LLMGW_GEN_DIR}/${stem}.d
      COMMENT "protoc ${rel}"
      VERBATIM)
    list(APPEND srcs ${outs})
  endforeach()
  add_library(llmgw_${A_NAME} STATIC ${srcs})
  add_library(llmgw::${A_NAME} ALIAS llmgw_${A_NAME})
  target_include_directories(llmgw_${A_NAME} SYSTEM PUBLIC ${LLMGW_GEN_DIR})
  target_link_libraries(llmgw_${A_NAME} PUBLIC ${A_DEPS} protobuf::libprotobuf)
  if(A_GRPC)
    target_link_libraries(llmgw_${A_NAME} PUBLIC gRPC::grpc++)
  endif()
endfunction()

# The real PostgreSQL that POSTGRES tests use: started once per ctest run, stopped after.
set(LLMGW_TEST_PG_PORT 55432 CACHE STRING "Port of the test PostgreSQL (127.0.0.1)")
set(LLMGW_TEST_PG_DIR /tmp/llmgw-test-pg-${LLMGW_TEST_PG_PORT})
set(LLMGW_TEST_POSTGRES_URL postgresql://postgres@127.0.0.1:${LLMGW_TEST_PG_PORT}/postgres)
function(llmgw_postgres_fixture)
  add_test(NAME fixture.postgres.start
           COMMAND ${PROJECT_SOURCE_DIR}/scripts/pg.sh start ${LLMGW_TEST_PG_DIR} ${LLMGW_TEST_PG_PORT})
  add_test(NAME fixture.postgres.stop COMMAND ${PROJECT_SOURCE_DIR}/scripts/pg.sh stop ${LLMGW_TEST_PG_DIR})
  set_tests_properties(fixture.postgres.start PROPERTIES FIXTURES_SETUP postgres TIMEOUT 60)
  set_tests_properties(fixture.postgres.stop PROPERTIES FIXTURES_CLEANUP postgres TIMEOUT 60)
endfunction()
