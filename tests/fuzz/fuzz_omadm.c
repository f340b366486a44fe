/* fuzz_omadm.c - the omadm parser over any bytes: sniff, decode, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_omadm;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_omadm, data, size);
    return 0;
}
