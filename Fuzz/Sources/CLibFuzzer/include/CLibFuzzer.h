#pragma once
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (linked by `-sanitize=fuzzer`): parses the command line and fuzzes
/// `callback`. Called from each harness's `@main`, because SwiftPM gives an executable its own
/// `main` symbol, so libFuzzer's `main` is never linked.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
