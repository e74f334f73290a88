# Third-party packages, all from Debian 12 (see README "Dependencies").
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Poco 1.11 REQUIRED COMPONENTS Foundation Net NetSSL Crypto Util JSON)
find_package(Boost 1.74 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBP11 REQUIRED IMPORTED_TARGET libp11)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
# MariaDB Connector/C (libmariadb-dev), under SOCI's MySQL backend.
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)

# Debian's libsoci-dev 4.0.3 ships neither a CMake config nor a .pc file: define the
# imported targets by hand, named as upstream's SOCIConfig names them.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
foreach(component core sqlite3 postgresql mysql)
  find_library(SOCI_${component}_LIBRARY soci_${component} REQUIRED)
  if(NOT TARGET SOCI::soci_${component})
    add_library(SOCI::soci_${component} SHARED IMPORTED)
    set_target_properties(SOCI::soci_${component} PROPERTIES
      IMPORTED_LOCATION "${SOCI_${component}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}")
  endif()
endforeach()
target_link_libraries(SOCI::soci_core INTERFACE ${CMAKE_DL_LIBS})
target_link_libraries(SOCI::soci_sqlite3 INTERFACE SOCI::soci_core SQLite::SQLite3)
target_link_libraries(SOCI::soci_postgresql INTERFACE SOCI::soci_core PostgreSQL::PostgreSQL)
target_link_libraries(SOCI::soci_mysql INTERFACE SOCI::soci_core PkgConfig::MARIADB)

# Boost.DLL is header-only; BOOST_DLL_USE_STD_FS drops the boost_filesystem dependency.
add_library(certgate_boost_dll INTERFACE)
target_link_libraries(certgate_boost_dll INTERFACE Boost::headers ${CMAKE_DL_LIBS})
target_compile_definitions(certgate_boost_dll INTERFACE BOOST_DLL_USE_STD_FS)

if(CERTGATE_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(CERTGATE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
