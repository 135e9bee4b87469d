# `cmake --install build [--prefix P]` lays intentq out as Debian does (default prefix /usr/local):
#   P/bin/                          intentq-broker, intentq-worker, intentq-gwsim, intentq,
#                                   intentq-http
#   P/lib/systemd/system/           intentq-broker.service, intentq-worker@.service,
#                                   intentq-workers.target, intentq-http.service (ExecStart
#                                   points at P/bin)
#   P/share/doc/intentq/            README.md and docs/*.md; examples/ broker.conf, worker.conf,
#                                   http.conf
# DESTDIR stages the same tree elsewhere (what packagers and tests/install.cmake do).
include(GNUInstallDirs)

install(TARGETS intentq-broker intentq-worker intentq-gwsim intentq intentq-http
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# systemd looks in /usr/local/lib/systemd/system and /usr/lib/systemd/system (`systemd-analyze
# unit-paths`), so the units go under the prefix too.
set(INTENTQ_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
  "where the systemd units are installed, relative to the prefix")
# The units in systemd/ name /usr/local/bin (usable as they are with the default prefix); the
# installed copies name the bin directory of the prefix given at install time (--prefix).
foreach(unit intentq-broker.service intentq-worker@.service intentq-workers.target
    intentq-http.service)
  install(CODE "
    set(dir \"\${CMAKE_INSTALL_PREFIX}/${INTENTQ_SYSTEMD_UNIT_DIR}\")
    file(READ \"${PROJECT_SOURCE_DIR}/systemd/${unit}\" text)
    string(REPLACE \"/usr/local/bin/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\" text \"\${text}\")
    message(STATUS \"Installing: \$ENV{DESTDIR}\${dir}/${unit}\")
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${dir}\")
    file(WRITE \"\$ENV{DESTDIR}\${dir}/${unit}\" \"\${text}\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\$ENV{DESTDIR}\${dir}/${unit}\")")
endforeach()

file(GLOB INTENTQ_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${INTENTQ_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Example configuration files for /etc/intentq (docs/operations.md, "Configuration").
install(FILES ${PROJECT_SOURCE_DIR}/systemd/broker.conf ${PROJECT_SOURCE_DIR}/systemd/worker.conf
  ${PROJECT_SOURCE_DIR}/systemd/http.conf
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
