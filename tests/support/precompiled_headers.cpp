// The translation unit that builds the test binaries' shared precompiled header
// (tests/CMakeLists.txt): CMake builds a precompiled header only for a target that compiles a
// source with it.
