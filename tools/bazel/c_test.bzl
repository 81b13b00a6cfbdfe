"""mapcore_c_test: one C ABI test program (tests/c/test_*.c) against the C API."""

load("@rules_cc//cc:cc_test.bzl", "cc_test")

# The Makefile's CFLAGS_C for the C ABI tests: strict, warning-free C11.
C_TEST_COPTS = [
    "-std=c11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
]

def mapcore_c_test(name, shared = False, size = "small", deps = [], tags = [], env_inherit = [], **kwargs):
    """A cc_test built from `<name>.c`, linked with the C API library.

    The package must define a `:harness` cc_library with the shared test
    headers. tools/bazel/check_graph.py knows this macro: keep the two in step.

    Args:
      name: test program name; the source file is `<name>.c`.
      shared: the test reads ../shared data through MAPCORE_SHARED; it is then
        tagged "manual" (not part of `bazel test //...`) and inherits the variable.
      size: test size.
      deps: extra dependencies.
      tags: extra tags.
      env_inherit: extra environment variables to inherit.
      **kwargs: passed to cc_test.
    """
    cc_test(
        name = name,
        size = size,
        srcs = [name + ".c"],
        copts = C_TEST_COPTS,
        env_inherit = env_inherit + (["MAPCORE_SHARED"] if shared else []),
        tags = tags + (["manual"] if shared else []),
        deps = [
            ":harness",
            Label("//rust:mapcore"),
        ] + deps,
        **kwargs
    )
