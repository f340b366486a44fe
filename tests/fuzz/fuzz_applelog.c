/* fuzz_applelog.c - the applelog parser over any bytes: sniff, decode, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_applelog;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_applelog, data, size);
    return 0;
}
