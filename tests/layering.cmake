# The floors run one way: core <- ui <- app. Fails when a file includes a floor above its own:
# core/ includes nothing of ui/ or app/ and no GL, ImGui or window header; ui/ includes nothing of app/.
#   cmake -DROOT=<source dir> -P tests/layering.cmake
set(violations "")

function(check_floor dir pattern rule)
  file(GLOB_RECURSE files "${ROOT}/${dir}/*.cpp" "${ROOT}/${dir}/*.hpp" "${ROOT}/${dir}/*.h")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line IN LISTS lines)
      if(line MATCHES "${pattern}")
        file(RELATIVE_PATH rel "${ROOT}" "${f}")
        set(violations "${violations}\n  ${rel}: ${line}  (${rule})" PARENT_SCOPE)
        set(violations "${violations}\n  ${rel}: ${line}  (${rule})")
      endif()
    endforeach()
  endforeach()
endfunction()

check_floor(core "[\"<](ui/|app/|imgui|backends/|GLFW/|glad/|GL/)" "core includes no ui/, app/, GL, ImGui or window header")
check_floor(ui "[\"<]app/" "ui/ never includes app/")
check_floor(tools "[\"<](ui/|app/|imgui|backends/|GLFW/|glad/|GL/)" "tools/ (build tools) link core only")
check_floor(tests/fuzz "[\"<](ui/|app/|imgui|backends/|GLFW/|glad/|GL/)" "tests/fuzz links core only (the fuzz build has nothing else)")

if(violations)
  message(FATAL_ERROR "layering: includes against the floors core <- ui <- app:${violations}")
endif()
message(STATUS "layering: core <- ui <- app holds")
