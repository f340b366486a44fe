/* fuzz_cmtrace_legacy.c - the cmtrace_legacy parser over any bytes: sniff, decode, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_cmtrace_legacy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_cmtrace_legacy, data, size);
    return 0;
}
