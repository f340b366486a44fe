/* fuzz_cmtrace.c - the cmtrace parser over any bytes: sniff, decode, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_cmtrace;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_cmtrace, data, size);
    return 0;
}
