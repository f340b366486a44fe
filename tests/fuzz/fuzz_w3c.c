/* fuzz_w3c.c - the w3c parser over any bytes: sniff, decode, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_w3c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_w3c, data, size);
    return 0;
}
