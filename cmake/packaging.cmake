# Install rules and the Debian package (cpack -G DEB): smtp-exporter_<version>_<arch>.deb with
#   /usr/bin/smtp_exporter
#   /etc/smtp_exporter/smtp_exporter.yml        (a conffile: local edits survive upgrades)
#   /lib/systemd/system/smtp_exporter.service   (deploy/systemd/smtp_exporter.service, paths adapted)
#   /usr/share/doc/smtp-exporter/README.md
# a system user smtp_exporter made on install (cmake/debian/postinst), the unit enabled and
# started where systemd runs, and Depends computed by dpkg-shlibdeps (package dpkg-dev, and
# `file`, which CPack uses to find the ELF files).
#
#   cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DSMTP_EXPORTER_BUILD_TESTS=OFF -DSMTP_EXPORTER_BUILD_BENCH=OFF
#   cmake --build build-deb --target smtp_exporter && (cd build-deb && cpack -G DEB)
#
# The configuration and the unit go to absolute paths (/etc, /lib/systemd/system), where Debian
# wants them whatever the install prefix; the binary to <prefix>/bin, /usr unless
# CMAKE_INSTALL_PREFIX says otherwise (`cmake --install` installs as the package does).
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)

install(TARGETS smtp_exporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES config/smtp_exporter.yml DESTINATION /etc/smtp_exporter)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/smtp-exporter)

# The packaged unit is the one under deploy/systemd/ with the package's paths: the binary under
# the install prefix, and the static user the package creates (DynamicUser= then uses it).
file(READ ${PROJECT_SOURCE_DIR}/deploy/systemd/smtp_exporter.service smtp_exporter_unit)
string(REGEX REPLACE "^(#[^\n]*\n)+" "# smtp_exporter.service of the smtp-exporter package. Local settings: systemctl edit smtp_exporter\n# Reload the configuration: systemctl reload smtp_exporter\n"
  smtp_exporter_unit "${smtp_exporter_unit}")
string(REPLACE "/usr/local/bin/smtp_exporter" "${CMAKE_INSTALL_FULL_BINDIR}/smtp_exporter"
  smtp_exporter_unit "${smtp_exporter_unit}")
string(REPLACE "file:/usr/local/share/doc/smtp_exporter" "file:/usr/share/doc/smtp-exporter"
  smtp_exporter_unit "${smtp_exporter_unit}")
string(REPLACE "DynamicUser=yes\n" "DynamicUser=yes\nUser=smtp_exporter\nGroup=smtp_exporter\n"
  smtp_exporter_unit "${smtp_exporter_unit}")
file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/packaging/smtp_exporter.service CONTENT "${smtp_exporter_unit}" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/systemd/smtp_exporter.service)
install(FILES ${PROJECT_BINARY_DIR}/packaging/smtp_exporter.service DESTINATION /lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smtp-exporter)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "smtp_exporter maintainers <root@localhost>" CACHE STRING
  "Maintainer field of the Debian package")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${PROJECT_DESCRIPTION}
Probes SMTP servers (greeting, EHLO, STARTTLS, mail transactions, mail domains
with MTA-STS and DANE, mail loops), classifies each probe by the ELM QoS rule
(5510/5511/5509) and serves the results to Prometheus on port 9025.")
# Depends: the shared libraries' packages from dpkg-shlibdeps, plus passwd for useradd/userdel in
# the maintainer scripts. Trust stores the exporter reads as files: recommended.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates, dns-root-data")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/cmake/debian/conffiles
  ${PROJECT_SOURCE_DIR}/cmake/debian/postinst
  ${PROJECT_SOURCE_DIR}/cmake/debian/prerm
  ${PROJECT_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
