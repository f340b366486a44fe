/* fuzz_eventxml.c - the eventxml parser over any bytes: sniff, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_eventxml;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_eventxml, data, size);
    return 0;
}
