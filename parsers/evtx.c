/* evtx.c - Windows event log files (.evtx), read with libevtx from the bytes already in
 * memory (a libbfio memory range: nothing is written anywhere). Each record's XML, as libevtx
 * renders it, goes through the event XML reader of winevent.c: one line per event, its line
 * number its record number. A file whose header says it was not closed (the "dirty" flag: the
 * Event Log service still had it open, or the machine stopped) is read as far as libevtx can,
 * with the records it recovers, and a note says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#include <libevtx.h>

#include "winevent.h"

#define EVTX_HEADER 4096u
#define EVTX_FLAG_DIRTY 0x1u
#define EVTX_FLAG_FULL 0x2u

static int evtx_sniff(const char *head, size_t n)
{
    (void)head;
    (void)n;
    return 0;
}

static int evtx_sniff_raw(const unsigned char *raw, size_t n)
{
    return n >= 8 && memcmp(raw, "ElfFile", 8) == 0 ? 100 : 0;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Says why libevtx refused, in one line. */
static void why_of(libevtx_error_t *err, char *out, size_t cap)
{
    if (cap)
        out[0] = 0;
    if (err) {
        libevtx_error_sprint(err, out, cap);
        libevtx_error_free(&err);
    }
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t k = strlen(out);
    while (k && out[k - 1] == ' ')
        out[--k] = 0;
    if (!out[0])
        snprintf(out, cap, "unknown reason");
}

static bool refuse(struct source *s, const char *what, libevtx_error_t *err)
{
    char why[160];
    why_of(err, why, sizeof why);
    s->skipped = true;
    if (err)
        source_note(s, 0, "Windows event log (.evtx): %s: %s", what, why);
    else
        source_note(s, 0, "Windows event log (.evtx): %s", what);
    s->text = "";
    s->size = 0;
    return true;
}

/* One record (normal or recovered) as a rendered line. */
static bool take(struct wev_out *o, libevtx_record_t *rec, uint64_t nth, uint64_t *bad)
{
    size_t n = 0;
    if (libevtx_record_get_utf8_xml_string_size(rec, &n, NULL) != 1 || n == 0 ||
        n > 64u * 1024u * 1024u) {
        (*bad)++;
        return true;
    }
    uint8_t *xml = malloc(n);
    if (!xml)
        return false;
    bool ok = true;
    if (libevtx_record_get_utf8_xml_string(rec, xml, n, NULL) == 1) {
        ok = wev_render_xml(o, (const char *)xml, strnlen((const char *)xml, n), nth);
    } else {
        (*bad)++;
    }
    free(xml);
    return ok;
}

static bool evtx_parse(struct source *s, struct evbuf *out)
{
    if (s->raw_size < EVTX_HEADER)
        return refuse(s, "cut short: smaller than its 4096-byte header", NULL);
    uint32_t flags = le32(s->raw + 120);
    libbfio_handle_t *io = NULL;
    libevtx_file_t *file = NULL;
    libevtx_error_t *err = NULL;
    if (libbfio_memory_range_initialize(&io, NULL) != 1)
        return false;
    /* libbfio only reads through this range: the file was opened read-only and mapped so */
    if (libbfio_memory_range_set(io, (uint8_t *)(uintptr_t)s->raw, s->raw_size, NULL) != 1) {
        libbfio_handle_free(&io, NULL);
        return false;
    }
    if (libevtx_file_initialize(&file, NULL) != 1) {
        libbfio_handle_free(&io, NULL);
        return false;
    }
    if (libevtx_file_open_file_io_handle(file, io, LIBEVTX_OPEN_READ, &err) != 1) {
        libevtx_file_free(&file, NULL);
        libbfio_handle_free(&io, NULL);
        return refuse(s, "libevtx cannot open it", err);
    }
    int nrec = 0, nrecovered = 0;
    if (libevtx_file_get_number_of_records(file, &nrec, NULL) != 1)
        nrec = 0;
    if (libevtx_file_get_number_of_recovered_records(file, &nrecovered, NULL) != 1)
        nrecovered = 0;
    struct wev_out o;
    bool ok = wev_out_init(&o);
    uint64_t bad = 0;
    for (int i = 0; ok && i < nrec + nrecovered; i++) {
        libevtx_record_t *rec = NULL;
        int r = i < nrec ? libevtx_file_get_record_by_index(file, i, &rec, NULL)
                         : libevtx_file_get_recovered_record_by_index(file, i - nrec, &rec, NULL);
        if (r != 1) {
            bad++;
            continue;
        }
        ok = take(&o, rec, (uint64_t)i + 1, &bad);
        libevtx_record_free(&rec, NULL);
    }
    libevtx_file_close(file, NULL);
    libevtx_file_free(&file, NULL);
    libbfio_handle_free(&io, NULL);
    if (!ok) {
        wev_out_free(&o);
        return false;
    }
    if (o.st->n == 0) {
        wev_out_free(&o);
        return refuse(s, flags & EVTX_FLAG_DIRTY ? "no event could be read (the header's dirty "
                      "flag is set: the file was not closed)" : "no event could be read", NULL);
    }
    enum role role = wev_role(&o);
    source_note(s, 0, "%llu events rendered one a line; each one's line number is its record "
                "number (EventRecordID)", (unsigned long long)o.st->n);
    if (flags & EVTX_FLAG_DIRTY)
        source_note(s, 0, "the header's dirty flag is set (the file was not closed: copied "
                    "while the Event Log service had it open, or the machine stopped): read "
                    "what libevtx could, %d recovered records among them", nrecovered);
    else if (nrecovered)
        source_note(s, 0, "%d records recovered from free space of the file", nrecovered);
    if (bad)
        source_note(s, 0, "%llu records libevtx could not read: left out",
                    (unsigned long long)bad);
    if (!wev_finish(s, out, &o)) {
        wev_out_free(&o);
        return false;
    }
    wev_out_free(&o);
    s->role = role;
    return true;
}

const struct parser parser_evtx = {
    .name = "evtx",
    .title = "Windows event log file (.evtx, read with libevtx)",
    .sniff = evtx_sniff,
    .sniff_raw = evtx_sniff_raw,
    .parse = evtx_parse,
    .message = wev_message,
    .field = wev_field,
    .free_state = wev_free_state,
    .record_numbers = true,
};
