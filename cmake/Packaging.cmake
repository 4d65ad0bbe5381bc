# The Debian package: `cpack -G DEB` in a release build directory builds guestd_<version>_<arch>.deb with the
# binary, /etc/guestd/guestd.toml (a conffile), the hardened systemd unit and the maintainer scripts that create
# the guestd system user and /var/lib/guestd. packaging/README.md says how to build, install and run it.

set(GUESTD_PACKAGE_CONTACT "guestd maintainers <maintainers@users.noreply.r-seed-5a66f57a.example>"
    CACHE STRING "Maintainer of the Debian package, \"Name <email>\"")

# The system files. Their destinations are absolute on purpose: Debian puts them there whatever the prefix.
set(packaging_dir "${PROJECT_SOURCE_DIR}/packaging")
install(FILES "${packaging_dir}/guestd.toml" DESTINATION /etc/guestd
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES "${packaging_dir}/guestd.service" DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES "${packaging_dir}/README.md" DESTINATION share/doc/guestd
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Package metadata.
set(CPACK_PACKAGE_NAME guestd)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${GUESTD_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VENDOR "guestd")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted guest accounts for hospitality loyalty programs")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

# Debian specifics: Depends from the binary's shared libraries (dpkg-shlibdeps) plus what the scripts call.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "\
guestd turns a hotel's CRM customers into loyalty accounts for its partners (websites, booking engines, apps):
account creation, login, profile, reservations and password recovery by email, over HTTP JSON in the
Experience CRM and Paytronix Guest Management wire dialects. It keeps its data in SQLite under /var/lib/guestd
and runs as the hardened systemd service guestd.service.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${packaging_dir}/conffiles" "${packaging_dir}/postinst" "${packaging_dir}/prerm" "${packaging_dir}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
