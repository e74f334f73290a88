# certgate_add_ca_plugin(<id> SOURCES <file>... [LIBRARIES <target>...])
#
# Creates the MODULE library target `certgate-ca-<id>`, built as `certgate-ca-<id>.so` (no
# "lib" prefix: the server loads `<plugins>/<profile.plugin>.so`), C++20, hidden visibility
# (only the two entry points CERTGATE_PLUGIN exports are visible), linked to
# certgate::plugin_api. Shared by the server's own build and the installed plugin SDK.
function(certgate_add_ca_plugin id)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBRARIES")
  if(NOT id MATCHES "^[a-z0-9][a-z0-9-]*$")
    message(FATAL_ERROR "certgate_add_ca_plugin: plugin id '${id}' must be lowercase letters, digits and '-'")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "certgate_add_ca_plugin(${id}): SOURCES is required")
  endif()
  set(target certgate-ca-${id})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE certgate::plugin_api ${ARG_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME certgate-ca-${id}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
endfunction()
