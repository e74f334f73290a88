# One place for compiler warnings. certgate_warnings(target) applies them.
add_library(certgate_warnings INTERFACE)
target_compile_options(certgate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CERTGATE_WERROR)
  target_compile_options(certgate_warnings INTERFACE -Werror)
endif()

function(certgate_warnings target)
  target_link_libraries(${target} PRIVATE certgate_warnings)
endfunction()
