/* fuzz_certutil_view.c - the certutil_view parser over any bytes: sniff, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_certutil_view;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_certutil_view, data, size);
    return 0;
}
