/* parsers.c - the table of log formats. A new format is one file in parsers/ and one line here. */
#include <string.h>

#include "parser.h"

extern const struct parser parser_w3c;
extern const struct parser parser_cmtrace;
extern const struct parser parser_cmtrace_legacy;
extern const struct parser parser_eventxml;
extern const struct parser parser_eventcsv;
extern const struct parser parser_evtx;
extern const struct parser parser_pcap;
extern const struct parser parser_certutil_view;
extern const struct parser parser_certutil_store;
extern const struct parser parser_x509;
extern const struct parser parser_omadm;
extern const struct parser parser_applelog;

const struct parser *const parser_table[] = {
    &parser_w3c,
    &parser_cmtrace,
    &parser_cmtrace_legacy,
    &parser_eventxml,
    &parser_eventcsv,
    &parser_evtx,
    &parser_pcap,
    &parser_certutil_view,
    &parser_certutil_store,
    &parser_x509,
    &parser_omadm,
    &parser_applelog,
    NULL,
};

const struct parser *parser_sniff(const char *head, size_t n, int *score)
{
    const struct parser *best = NULL;
    int best_score = 0;
    for (size_t i = 0; parser_table[i]; i++) {
        int sc = parser_table[i]->sniff(head, n);
        if (sc > best_score) {
            best_score = sc;
            best = parser_table[i];
        }
    }
    if (score)
        *score = best_score;
    return best;
}

const struct parser *parser_sniff_raw(const unsigned char *raw, size_t n, int *score)
{
    const struct parser *best = NULL;
    int best_score = 0;
    for (size_t i = 0; parser_table[i]; i++) {
        if (!parser_table[i]->sniff_raw)
            continue;
        int sc = parser_table[i]->sniff_raw(raw, n);
        if (sc > best_score) {
            best_score = sc;
            best = parser_table[i];
        }
    }
    if (score)
        *score = best_score;
    return best;
}

const struct parser *parser_by_name(const char *name)
{
    for (size_t i = 0; parser_table[i]; i++)
        if (strcmp(parser_table[i]->name, name) == 0)
            return parser_table[i];
    return NULL;
}
