# Every third-party dependency, found once. All are Debian 12 packages (scripts/install-deps.sh).
# find_package where the package ships a CMake config, pkg-config where it does not.
find_package(Threads REQUIRED)
find_package(Protobuf 3.21 REQUIRED)               # CMake's FindProtobuf module (no config shipped)
find_package(gRPC 1.51 CONFIG REQUIRED)            # needs protobuf-compiler-grpc for its plugin targets
find_package(absl CONFIG REQUIRED)                 # no version: abslConfigVersion wants an exact match
find_package(yaml-cpp 0.7 CONFIG REQUIRED)         # exports target `yaml-cpp`
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)   # no CMake config in 6.4
# The llmgw binary's allocator (docs/performance.md: a fifth of the request path's
# instructions were glibc malloc and free).
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()
if(LLMGW_BUILD_TESTS)
  find_package(GTest 1.12 CONFIG REQUIRED)
endif()
if(LLMGW_BUILD_BENCH)
  find_package(benchmark 1.7 CONFIG REQUIRED)
endif()
