# install.cmake: what `cmake --install` (and `make install`) puts under the prefix.
#   bin/pipec
#   LIBDIR/libpipert.a, libpipert.so[.0[.1.0]]     pipec links programs with the static one
#   include/pipe/*.h                                the ABI and the embedding API
#   LIBDIR/pkgconfig/pipe.pc                        pkg-config --cflags --libs pipe
#   LIBDIR/cmake/Pipe/                              find_package(Pipe): Pipe::pipert,
#                                                   Pipe::pipert_static, Pipe::pipec,
#                                                   pipe_add_program()
#   share/pipe/editors/{vim,emacs,vscode}           editor support (docs/editors.md)
include(CMakePackageConfigHelpers)
set(PIPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Pipe)

install(TARGETS pipec EXPORT PipeTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS pipert pipert_shared EXPORT PipeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY runtime/include/pipe DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The static library's link interface names the imported targets of its dependencies;
# PipeConfig.cmake finds them again before loading PipeTargets.cmake.
install(EXPORT PipeTargets NAMESPACE Pipe:: DESTINATION ${PIPE_CMAKE_DIR})
configure_package_config_file(cmake/PipeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/PipeConfig.cmake INSTALL_DESTINATION ${PIPE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/PipeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/PipeConfig.cmake ${CMAKE_BINARY_DIR}/PipeConfigVersion.cmake
  DESTINATION ${PIPE_CMAKE_DIR})

# pipe.pc finds the prefix from its own place (pkg-config's pcfiledir), so that an
# installation moved or made with `cmake --install --prefix P` still works.
file(RELATIVE_PATH PIPE_PC_UP /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
string(REGEX REPLACE "/$" "" PIPE_PC_UP "${PIPE_PC_UP}")
configure_file(cmake/pipe.pc.in ${CMAKE_BINARY_DIR}/pipe.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/pipe.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Editor support, without the tests and their npm packages.
install(DIRECTORY editors/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pipe/editors
  PATTERN "test" EXCLUDE PATTERN "*-test.el" EXCLUDE PATTERN "node_modules" EXCLUDE)
