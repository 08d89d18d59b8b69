# flightplan_embed_file(<target> <input> HEADER <header> NAMESPACE <ns> FUNCTION <fn>)
# Adds to <target> a generated source defining `std::string_view <ns>::<fn>()`
# that returns the bytes of <input> (relative to the current source dir),
# regenerated when <input> changes. <header> declares the function.
function(flightplan_embed_file target input)
  cmake_parse_arguments(EMBED "" "HEADER;NAMESPACE;FUNCTION" "" ${ARGN})
  get_filename_component(name ${input} NAME)
  string(MAKE_C_IDENTIFIER "${name}" stem)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embedded_${stem}.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${CMAKE_CURRENT_SOURCE_DIR}/${input} -DOUTPUT=${output}
            -DHEADER=${EMBED_HEADER} -DNAMESPACE=${EMBED_NAMESPACE} -DFUNCTION=${EMBED_FUNCTION}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${input} ${PROJECT_SOURCE_DIR}/cmake/embed_file.cmake
    COMMENT "Embedding ${input}")
  target_sources(${target} PRIVATE ${output})
endfunction()
