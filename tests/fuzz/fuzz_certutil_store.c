/* fuzz_certutil_store.c - the certutil_store parser over any bytes: sniff, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_certutil_store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_certutil_store, data, size);
    return 0;
}
