# ctest -P script: install the plugin SDK of this build into a fresh prefix, build the
# example CA against it as a separate project, drop it into a plugins folder beside the five
# built-in plugins with a profile of its own, and load them all with the real PluginHost.
# Inputs (-D): BUILD_DIR SOURCE_DIR WORK_DIR PLUGIN_DIR PROFILES_DIR LOADER CXX_COMPILER
#              BUILD_TYPE [COMPILER_LAUNCHER]
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR PLUGIN_DIR PROFILES_DIR LOADER CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "RunDropinTest.cmake: ${var} is not set")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}):\n${out}")
  endif()
  message(STATUS "${what}: ok")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/plugins" "${WORK_DIR}/ca-profiles")

run("install the plugin-sdk component"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --component plugin-sdk --prefix "${WORK_DIR}/sdk")
foreach(required include/certgate/plugin/CaPlugin.hpp include/certgate/plugin/PluginExport.hpp
    lib/cmake/CertgatePluginSdk/CertgatePluginSdkConfig.cmake
    lib/cmake/CertgatePluginSdk/CertgatePluginSdkConfigVersion.cmake)
  if(NOT EXISTS "${WORK_DIR}/sdk/${required}")
    message(FATAL_ERROR "the plugin SDK lacks ${required}")
  endif()
endforeach()

set(configure_args -S "${SOURCE_DIR}/example-ca" -B "${WORK_DIR}/example-build" -G Ninja
  "-DCMAKE_PREFIX_PATH=${WORK_DIR}/sdk" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(COMPILER_LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${COMPILER_LAUNCHER}")
endif()
run("configure the example CA against the SDK" "${CMAKE_COMMAND}" ${configure_args})
run("build the example CA" "${CMAKE_COMMAND}" --build "${WORK_DIR}/example-build")

set(dropped "${WORK_DIR}/example-build/certgate-ca-exampleca.so")
if(NOT EXISTS "${dropped}")
  message(FATAL_ERROR "certgate_add_ca_plugin did not produce certgate-ca-exampleca.so")
endif()
file(COPY "${dropped}" DESTINATION "${WORK_DIR}/plugins")
foreach(id gca xca moeaca hca moica)
  file(COPY "${PLUGIN_DIR}/certgate-ca-${id}.so" DESTINATION "${WORK_DIR}/plugins")
  file(COPY "${PROFILES_DIR}/${id}.json" DESTINATION "${WORK_DIR}/ca-profiles")
endforeach()
file(COPY "${PROFILES_DIR}/certs" DESTINATION "${WORK_DIR}/ca-profiles")

file(WRITE "${WORK_DIR}/ca-profiles/exampleca.json" [=[
{
  "id": "exampleca",
  "plugin": "certgate-ca-exampleca",
  "kind": "organisation",
  "displayName": { "zh-TW": "範例憑證管理中心", "en": "Example CA (drop-in test)" },
  "test": true,
  "trustAnchors": ["certs/grca-g2.pem"],
  "intermediates": [],
  "issuerKeyIds": [],
  "policies": ["2.16.886.101.0.3.3"],
  "revocation": { "mode": "none" },
  "identity": {
    "subjectTypeOid": "2.16.886.1.100.2.1",
    "acceptedSubjectTypes": ["2.16.886.1.100.3.2.2.1.1"],
    "identifierOid": "2.16.886.1.100.2.101",
    "organisationNameFrom": "O"
  }
}
]=])

run("load the drop-in plugin with the five built-in ones"
  "${CMAKE_COMMAND}" -E env "CERTGATE_DROPIN_DIR=${WORK_DIR}" "${LOADER}")
