/* fuzz_eventcsv.c - the eventcsv parser over any bytes: sniff, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_eventcsv;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_eventcsv, data, size);
    return 0;
}
