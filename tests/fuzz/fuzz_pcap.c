/* fuzz_pcap.c - the pcap parser over any bytes: sniff, parse, read every event back. */
#include "fuzz_common.h"

extern const struct parser parser_pcap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parser(&parser_pcap, data, size);
    return 0;
}
