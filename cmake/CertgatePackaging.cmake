# What `cmake --install` puts beyond the programs (pages, configuration, systemd units), and the
# Debian packages `cpack -G DEB` makes from it: certgate (server, plugins, profiles, pages),
# certgate-agent (the card agent for users' PCs) and certgate-plugin-sdk.
#
# Configuration goes to /etc/certgate, where both programs look by default, and is never
# overwritten: an existing file is kept (dpkg also treats them as conffiles).

set(CERTGATE_CONFIG_DIR "/etc/certgate")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/web/" DESTINATION "${CMAKE_INSTALL_DATADIR}/certgate/web"
  COMPONENT server PATTERN "README.md" EXCLUDE)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
  COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/README.md"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/certgate-agent" COMPONENT agent)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/nginx/certgate.conf"
  DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" RENAME nginx-certgate.conf COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/systemd/certgate.service"
  DESTINATION "lib/systemd/system" COMPONENT server)
install(FILES "${PROJECT_SOURCE_DIR}/packaging/systemd/certgate-agent.service"
  DESTINATION "lib/systemd/user" COMPONENT agent)

# certgate_install_config(COMPONENT c FILES src[=name] ...): into /etc/certgate unless present.
function(certgate_install_config)
  cmake_parse_arguments(ARG "" "COMPONENT" "FILES" ${ARGN})
  set(installed "")
  foreach(entry IN LISTS ARG_FILES)
    string(REPLACE "=" ";" parts "${entry}")
    list(GET parts 0 source)
    get_filename_component(name "${source}" NAME)
    list(LENGTH parts count)
    if(count GREATER 1)
      list(GET parts 1 name)
    endif()
    install(CODE "
      set(target \"\$ENV{DESTDIR}${CERTGATE_CONFIG_DIR}/${name}\")
      if(EXISTS \"\${target}\")
        message(STATUS \"Keeping: \${target}\")
      else()
        file(INSTALL \"${PROJECT_SOURCE_DIR}/${source}\" DESTINATION \"${CERTGATE_CONFIG_DIR}\"
          RENAME \"${name}\")
      endif()" COMPONENT ${ARG_COMPONENT})
    string(APPEND installed "${CERTGATE_CONFIG_DIR}/${name}\n")
  endforeach()
  file(WRITE "${PROJECT_BINARY_DIR}/packaging/${ARG_COMPONENT}/conffiles" "${installed}")
endfunction()

certgate_install_config(COMPONENT server FILES
  conf/certgate.example.json=certgate.json conf/functions.json conf/sections.json
  conf/holidays.json)
certgate_install_config(COMPONENT agent FILES conf/agent.example.json=agent.json)

foreach(component server agent)
  set(script_base certgate)
  if(component STREQUAL "agent")
    set(script_base certgate-agent)
  endif()
  foreach(script postinst prerm)
    file(COPY "${PROJECT_SOURCE_DIR}/packaging/deb/${script_base}.${script}"
      DESTINATION "${PROJECT_BINARY_DIR}/packaging/${component}/staging")
    file(RENAME "${PROJECT_BINARY_DIR}/packaging/${component}/staging/${script_base}.${script}"
      "${PROJECT_BINARY_DIR}/packaging/${component}/${script}")
  endforeach()
endforeach()

# --- Debian packages (cpack -G DEB in the build tree) -------------------------------------
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "certgate")
set(CPACK_PACKAGE_VENDOR "certgate")
set(CPACK_PACKAGE_CONTACT "certgate maintainers <certgate@localhost>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
# Absolute destinations (/etc/certgate) need DESTDIR staging; the programs live under /usr.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server agent plugin-sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION "misc")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME "certgate")
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "openssl, passwd")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "postgresql, postgresql-client, mariadb-client")
set(CPACK_COMPONENT_SERVER_DESCRIPTION
  "smart-card registration and delegation server (憑證註冊伺服器)\n"
  "Registers agencies' organisation and managers' citizen certificates, delegates functions to\n"
  "operators, with one plugin per certification authority, the portal and the admin pages.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  "${PROJECT_BINARY_DIR}/packaging/server/conffiles;${PROJECT_BINARY_DIR}/packaging/server/postinst;${PROJECT_BINARY_DIR}/packaging/server/prerm")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME "certgate-agent")
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "pcscd, opensc-pkcs11")
set(CPACK_COMPONENT_AGENT_DESCRIPTION
  "card agent for the certgate portal (讀卡代理程式)\n"
  "Runs on the user's PC on 127.0.0.1 and signs the portal's challenges with a smart card\n"
  "through PKCS#11. The PIN never leaves the PC.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
  "${PROJECT_BINARY_DIR}/packaging/agent/conffiles;${PROJECT_BINARY_DIR}/packaging/agent/postinst;${PROJECT_BINARY_DIR}/packaging/agent/prerm")

set(CPACK_DEBIAN_PLUGIN-SDK_PACKAGE_NAME "certgate-plugin-sdk")
set(CPACK_DEBIAN_PLUGIN-SDK_PACKAGE_ARCHITECTURE "all")
set(CPACK_COMPONENT_PLUGIN-SDK_DESCRIPTION
  "SDK for certgate CA plugins\nHeaders and CMake package to build a certification authority's plugin for certgate.")

include(CPack)
