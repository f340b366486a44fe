/* evtx.c - Windows event log files (.evtx), read with libevtx from the bytes already in
 * memory (a libbfio memory range: nothing is written anywhere). Each record's XML, as libevtx
 * renders it, goes through the event XML reader of winevent.c: one line per event, its line
 * number its record number. A file whose header says it was not closed (the "dirty" flag: the
 * Event Log service still had it open, or the machine stopped) is read as far as libevtx can,
 * with the records it recovers, and a note says so.
 *
 * A damaged file is read as far as it can be, and the notes say what was lost and where:
 * - libevtx refuses a whole file for one chunk it cannot read (a chunk header overwritten):
 *   then each chunk is read alone, through a one-chunk file made in a 68 KiB scratch buffer
 *   (a header of its own, then a copy of the chunk), and the chunks it refuses are named;
 * - a file cut inside a chunk: libevtx reads whole chunks only, so the piece at the end (the
 *   newest events, as a log is written) is read alone the same way, zero-filled to a chunk;
 * - when libevtx says the file is damaged, the chunks are checked here as libevtx checks them
 *   (signature, CRC-32 of the chunk header and of its records), to name the damaged ones;
 * - records libevtx cannot render are left out, and their record numbers named.
 * All of this runs only on a damaged file: a sound one costs what it did.
 *
 * libevtx trusts the counts it reads: a 54 KB file whose template claims a billion values makes
 * it allocate and fill gigabytes (24 GB before the kernel killed the program). So a file is
 * read first in a trial process (fork) that is killed past a memory or time bound; it tells,
 * through a counter the two share, which libevtx call it was in. That call is left out and the
 * trial runs again, until one gets through; then the file is read here, without those calls,
 * and a note says what was left out and why. A crash inside libevtx is caught the same way. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libbfio.h>
#include <libevtx.h>

#include "winevent.h"

#define EVTX_HEADER 4096u
#define EVTX_CHUNK 65536u
#define EVTX_CHUNK_HEAD 512u /* a chunk's header, its string and template tables */
#define EVTX_FLAG_DIRTY 0x1u
#define EVTX_BAD_IDS 4       /* record numbers named in the note of records left out */
#define EVTX_WHY 120         /* libevtx's reason, as much as a note shows */
#define GUARD_TRIES 8        /* calls left out before the file is given up */
#define GUARD_MB 256u        /* a trial's memory beyond what it started with, plus: */
#define GUARD_PER_BYTE 16u   /* this many bytes per byte of the file */
#define GUARD_SECS 60        /* a trial's time */

/* ---- the trial process ------------------------------------------------------------------- */

struct guard {
    _Atomic uint64_t *at;          /* in a trial: shared with the parent, the call being made */
    uint64_t seq;                  /* libevtx calls met so far in this reading */
    uint64_t skip[GUARD_TRIES];    /* those to leave out */
    size_t nskip;
    uint64_t skipped;              /* left out in this reading */
};

/* the reading in progress on this thread, or NULL */
static _Thread_local struct guard *guard;

/* Before each libevtx call that reads what the file says (opening it, getting a record): false
 * when this one is to be left out. In a trial, tells the parent which call it is. */
static bool guard_pass(void)
{
    struct guard *g = guard;
    if (!g)
        return true;
    uint64_t k = g->seq++;
    for (size_t i = 0; i < g->nskip; i++) {
        if (g->skip[i] == k) {
            g->skipped++;
            return false;
        }
    }
    if (g->at)
        atomic_store(g->at, k);
    return true;
}

static long rss_kb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
    FILE *f = fopen(path, "r");
    long size = 0, rss = -1;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &rss) != 2)
            rss = -1;
        fclose(f);
    }
    long pg = sysconf(_SC_PAGESIZE);
    return rss < 0 ? -1 : rss * ((pg > 0 ? pg : 4096) / 1024);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool evtx_read(struct source *s, struct evbuf *out);

/* One trial of reading s with g's calls left out. 1: it got through; 0: it was killed or
 * crashed in call *died (UINT64_MAX: before any); -1: no trial could be made. */
static int trial(struct source *s, struct guard *g, uint64_t *died)
{
    _Atomic uint64_t *at = mmap(NULL, sizeof *at, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (at == MAP_FAILED)
        return -1;
    atomic_store(at, UINT64_MAX);
    long base = rss_kb(getpid());
    pid_t pid = fork();
    if (pid < 0) {
        munmap((void *)at, sizeof *at);
        return -1;
    }
    if (pid == 0) { /* the trial: this thread alone, a copy of everything */
        struct guard mine = *g;
        mine.at = at;
        guard = &mine;
        struct evbuf tmp = { 0 };
        _exit(evtx_read(s, &tmp) ? 0 : 3);
    }
    long limit = base < 0 ? -1 : base + (long)GUARD_MB * 1024 +
                 (long)(s->raw_size / 1024 * GUARD_PER_BYTE);
    double until = now_s() + GUARD_SECS;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) { /* not ours to wait for (SIGCHLD ignored): unknown */
            munmap((void *)at, sizeof *at);
            return -1;
        }
        long rss = limit < 0 ? -1 : rss_kb(pid);
        if ((rss >= 0 && rss > limit) || now_s() > until) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            st = -1;
            break;
        }
        struct timespec nap = { 0, 2000000 };
        nanosleep(&nap, NULL);
    }
    *died = atomic_load(at);
    munmap((void *)at, sizeof *at);
    return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : 0;
}

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

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- CRC-32 (the IEEE one, as zlib's crc32), for the chunk checks ----------------------- */

/* The table lives with its caller (1 KiB on the stack): no shared state between threads. */
static void crc_table(uint32_t t[256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
}

/* crc_run(t, crc_run(t, 0, a), b) is the CRC of a then b. */
static uint32_t crc_run(const uint32_t t[256], uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* What is wrong with a whole chunk, checked as libevtx checks it, or NULL when nothing. */
static const char *chunk_fault(const uint32_t t[256], const unsigned char *c)
{
    if (memcmp(c, "ElfChnk", 8) != 0)
        return "has no chunk signature";
    if (crc_run(t, crc_run(t, 0, c, 120), c + 128, EVTX_CHUNK_HEAD - 128) != le32(c + 124))
        return "fails its header checksum";
    uint32_t free_at = le32(c + 48);
    if (free_at < EVTX_CHUNK_HEAD || free_at > EVTX_CHUNK)
        return "has its free space out of bounds";
    if (crc_run(t, 0, c + EVTX_CHUNK_HEAD, free_at - EVTX_CHUNK_HEAD) != le32(c + 52))
        return "fails its records checksum";
    return NULL;
}

/* ---- libevtx ---------------------------------------------------------------------------- */

/* Why libevtx refused, in one line: the first reason it gave (the deepest one: "unsupported
 * header size: 4008636142"), without the name of the function that gave it. */
static void why_of(libevtx_error_t *err, char *out, size_t cap)
{
    char all[1024];
    memset(all, 0, sizeof all);
    out[0] = 0;
    if (err) {
        if (libevtx_error_backtrace_sprint(err, all, sizeof all - 1) < 0 && !all[0])
            libevtx_error_sprint(err, all, sizeof all - 1);
        libevtx_error_free(&err);
    }
    all[sizeof all - 1] = 0;
    char *p = all;
    p[strcspn(p, "\r\n")] = 0;
    char *colon = strstr(p, ": ");
    if (colon && (size_t)(colon - p) + 1 == strcspn(p, " ") && strncmp(p, "lib", 3) == 0)
        p = colon + 2;
    size_t k = strlen(p);
    while (k && (p[k - 1] == ' ' || p[k - 1] == '.'))
        p[--k] = 0;
    snprintf(out, cap, "%s", *p ? p : "unknown reason");
}

static bool refuse(struct source *s, const char *what, const char *why)
{
    s->skipped = true;
    if (why)
        source_note(s, 0, "Windows event log (.evtx): %s: %s", what, why);
    else
        source_note(s, 0, "Windows event log (.evtx): %s", what);
    s->text = "";
    s->size = 0;
    return true;
}

/* What has been read so far, over the whole file and its chunks read alone. */
struct reading {
    struct wev_out o;
    uint64_t nth;                 /* records met: the line of one without a record number */
    uint64_t recovered;           /* of the events, those libevtx recovered */
    uint64_t bad;                 /* records libevtx could not read: left out */
    struct {                      /* the first ones: */
        uint64_t id;              /* its record number (0: unknown), */
        uint64_t after;           /* else that of the event read before it (0: none) */
    } bad_at[EVTX_BAD_IDS];
};

/* A record libevtx could not read: counted, and where it was kept for the note. */
static void lost(struct reading *rd, uint64_t id)
{
    if (rd->bad < EVTX_BAD_IDS) {
        const struct wev_state *st = rd->o.st;
        rd->bad_at[rd->bad].id = id;
        rd->bad_at[rd->bad].after = st->n ? st->r[st->n - 1].line : 0;
    }
    rd->bad++;
}

/* One record (normal or recovered) as a rendered line. False when memory runs out. */
static bool take(struct reading *rd, libevtx_record_t *rec, bool recovered)
{
    size_t n = 0;
    uint8_t *xml = NULL;
    rd->nth++;
    if (libevtx_record_get_utf8_xml_string_size(rec, &n, NULL) == 1 && n > 0 &&
        n <= 64u * 1024u * 1024u) {
        xml = malloc(n);
        if (!xml)
            return false;
        if (libevtx_record_get_utf8_xml_string(rec, xml, n, NULL) == 1) {
            size_t before = rd->o.st->n;
            bool ok = wev_render_xml(&rd->o, (const char *)xml, strnlen((const char *)xml, n),
                                     rd->nth);
            free(xml);
            if (ok && recovered)
                rd->recovered += rd->o.st->n - before;
            return ok;
        }
        free(xml);
    }
    uint64_t id = 0;
    if (libevtx_record_get_identifier(rec, &id, NULL) != 1)
        id = 0;
    lost(rd, id);
    return true;
}

/* Every record of an open file, then those libevtx recovered. False when memory runs out. */
static bool read_records(libevtx_file_t *file, struct reading *rd)
{
    int nrec = 0, nrecovered = 0;
    if (libevtx_file_get_number_of_records(file, &nrec, NULL) != 1 || nrec < 0)
        nrec = 0;
    if (libevtx_file_get_number_of_recovered_records(file, &nrecovered, NULL) != 1 ||
        nrecovered < 0)
        nrecovered = 0;
    for (int i = 0; i < nrec + nrecovered; i++) {
        libevtx_record_t *rec = NULL;
        bool recovered = i >= nrec;
        if (!guard_pass()) {
            lost(rd, 0);
            rd->nth++;
            continue;
        }
        int r = recovered ? libevtx_file_get_recovered_record_by_index(file, i - nrec, &rec, NULL)
                          : libevtx_file_get_record_by_index(file, i, &rec, NULL);
        if (r != 1 || !rec) {
            lost(rd, 0);
            rd->nth++;
            continue;
        }
        bool ok = take(rd, rec, recovered);
        libevtx_record_free(&rec, NULL);
        if (!ok)
            return false;
    }
    return true;
}

/* Opens bytes [p, p + n) with libevtx and reads every record. 1: read; 0: libevtx refused
 * them (why says why); -1: memory ran out. *corrupted: libevtx found damage. */
static int read_range(const unsigned char *p, size_t n, struct reading *rd, bool *corrupted,
                      char *why, size_t cap)
{
    libbfio_handle_t *io = NULL;
    libevtx_file_t *file = NULL;
    libevtx_error_t *err = NULL;
    if (libbfio_memory_range_initialize(&io, NULL) != 1)
        return -1;
    /* libbfio only reads through this range: the file was opened read-only and mapped so */
    if (libbfio_memory_range_set(io, (uint8_t *)(uintptr_t)p, n, NULL) != 1) {
        libbfio_handle_free(&io, NULL);
        return -1;
    }
    if (libevtx_file_initialize(&file, NULL) != 1) {
        libbfio_handle_free(&io, NULL);
        return -1;
    }
    if (!guard_pass()) {
        snprintf(why, cap, "libevtx went past its bounds on it, or crashed");
        libevtx_file_free(&file, NULL);
        libbfio_handle_free(&io, NULL);
        return 0;
    }
    if (libevtx_file_open_file_io_handle(file, io, LIBEVTX_OPEN_READ, &err) != 1) {
        why_of(err, why, cap);
        libevtx_file_free(&file, NULL);
        libbfio_handle_free(&io, NULL);
        return 0;
    }
    bool ok = read_records(file, rd);
    if (corrupted)
        *corrupted = libevtx_file_is_corrupted(file, NULL) == 1;
    libevtx_file_close(file, NULL);
    libevtx_file_free(&file, NULL);
    libbfio_handle_free(&io, NULL);
    return ok ? 1 : -1;
}

/* Reads one chunk alone (n bytes of it, at most EVTX_CHUNK; zero-filled after them) as a
 * file of one chunk made in scratch (EVTX_HEADER + EVTX_CHUNK bytes). Returns as read_range. */
static int read_chunk_alone(unsigned char *scratch, const unsigned char *c, size_t n,
                            struct reading *rd, char *why, size_t cap)
{
    memset(scratch, 0, EVTX_HEADER);
    memcpy(scratch, "ElfFile", 8);
    put32(scratch + 32, 128);        /* header size */
    put16(scratch + 36, 1);          /* version 3.1 */
    put16(scratch + 38, 3);
    put16(scratch + 40, EVTX_HEADER); /* where the chunks start */
    put16(scratch + 42, 1);          /* one chunk, number 0 (first and last: 0) */
    uint32_t t[256];
    crc_table(t);
    put32(scratch + 124, crc_run(t, 0, scratch, 120));
    memcpy(scratch + EVTX_HEADER, c, n);
    memset(scratch + EVTX_HEADER + n, 0, EVTX_CHUNK - n);
    return read_range(scratch, EVTX_HEADER + EVTX_CHUNK, rd, NULL, why, cap);
}

/* The chunks that something is wrong with: how many, and the first one. */
struct faults {
    uint64_t n;
    size_t first;        /* its place, from 1 */
    const char *what;    /* what is wrong with it */
    char why[EVTX_WHY];  /* for one libevtx refused: its reason */
    bool has_ids;
    uint64_t lo, hi;     /* its record numbers, as its header says */
};

static void fault(struct faults *f, size_t place, const unsigned char *c, const char *what,
                  const char *why)
{
    if (f->n++)
        return;
    f->first = place;
    f->what = what;
    snprintf(f->why, sizeof f->why, "%s", why ? why : "");
    f->lo = le64(c + 24);
    f->hi = le64(c + 32);
    f->has_ids = memcmp(c, "ElfChnk", 8) == 0 && f->lo <= f->hi;
}

/* "chunk 4 of 17 (records 12575-12756 by its header)" */
static void chunk_words(const struct faults *f, size_t nchunks, char *out, size_t cap)
{
    if (f->has_ids)
        snprintf(out, cap, "chunk %zu of %zu (records %llu-%llu by its header)", f->first,
                 nchunks, (unsigned long long)f->lo, (unsigned long long)f->hi);
    else
        snprintf(out, cap, "chunk %zu of %zu", f->first, nchunks);
}

static bool evtx_read(struct source *s, struct evbuf *out)
{
    if (s->raw_size < EVTX_HEADER)
        return refuse(s, "cut short: smaller than its 4096-byte header", NULL);
    const unsigned char *raw = s->raw;
    uint32_t flags = le32(raw + 120);
    unsigned header_chunks = le16(raw + 42);
    size_t nchunks = (s->raw_size - EVTX_HEADER) / EVTX_CHUNK;
    size_t tail = (s->raw_size - EVTX_HEADER) % EVTX_CHUNK;
    const unsigned char *tail_at = raw + EVTX_HEADER + nchunks * EVTX_CHUNK;

    struct reading rd;
    memset(&rd, 0, sizeof rd);
    if (!wev_out_init(&rd.o))
        return false;
    unsigned char *scratch = NULL;
    char why[EVTX_WHY], chunk_why[EVTX_WHY];
    bool corrupted = false;
    int whole = read_range(raw, s->raw_size, &rd, &corrupted, why, sizeof why);
    if (whole < 0)
        goto oom;

    /* libevtx refused the file as a whole: its chunks one by one; when it said the file is
     * damaged: which chunks are */
    struct faults refused = { 0 }, damaged = { 0 };
    size_t empty = 0;
    if (whole == 0 || corrupted) {
        uint32_t t[256];
        crc_table(t);
        if (whole == 0 && !(scratch = malloc(EVTX_HEADER + EVTX_CHUNK)))
            goto oom;
        for (size_t i = 0; i < nchunks; i++) {
            const unsigned char *c = raw + EVTX_HEADER + i * EVTX_CHUNK;
            if (all_zero(c, EVTX_CHUNK)) {
                empty++;
                continue;
            }
            if (whole == 0) {
                int r = read_chunk_alone(scratch, c, EVTX_CHUNK, &rd, chunk_why, sizeof chunk_why);
                if (r < 0)
                    goto oom;
                if (r == 0) {
                    fault(&refused, i + 1, c, "libevtx cannot read it", chunk_why);
                    continue;
                }
            }
            const char *what = chunk_fault(t, c);
            if (what)
                fault(&damaged, i + 1, c, what, NULL);
        }
    }

    /* a file cut inside a chunk: the piece libevtx leaves out, read alone */
    enum { TAIL_NONE, TAIL_READ, TAIL_REFUSED, TAIL_IN_HEADER, TAIL_EMPTY, TAIL_JUNK } tail_kind =
        TAIL_NONE;
    uint64_t tail_events = 0;
    if (tail) {
        if (all_zero(tail_at, tail)) {
            tail_kind = TAIL_EMPTY;
        } else if (memcmp(tail_at, "ElfChnk", tail < 8 ? tail : 8) != 0) {
            tail_kind = TAIL_JUNK;
        } else if (tail < EVTX_CHUNK_HEAD) {
            tail_kind = TAIL_IN_HEADER;
        } else {
            if (!scratch && !(scratch = malloc(EVTX_HEADER + EVTX_CHUNK)))
                goto oom;
            size_t before = rd.o.st->n;
            int r = read_chunk_alone(scratch, tail_at, tail, &rd, chunk_why, sizeof chunk_why);
            if (r < 0)
                goto oom;
            tail_kind = r ? TAIL_READ : TAIL_REFUSED;
            tail_events = rd.o.st->n - before;
        }
    }
    free(scratch);
    scratch = NULL;

    if (rd.o.st->n == 0) {
        wev_out_free(&rd.o);
        if (whole == 0)
            return refuse(s, "libevtx cannot open it", why);
        if (tail_kind == TAIL_IN_HEADER || (tail && nchunks == 0))
            return refuse(s, "cut short: no whole chunk of events in it", NULL);
        return refuse(s, flags & EVTX_FLAG_DIRTY ? "no event could be read (the header's dirty "
                      "flag is set: the file was not closed)" : "no event could be read", NULL);
    }
    enum role role = wev_role(&rd.o);
    source_note(s, 0, "%llu events rendered one a line; each one's line number is its record "
                "number (EventRecordID)", (unsigned long long)rd.o.st->n);
    if (flags & EVTX_FLAG_DIRTY)
        source_note(s, 0, "the header's dirty flag is set (the file was not closed: copied "
                    "while the Event Log service had it open, or the machine stopped): read "
                    "all the same");
    if (rd.recovered)
        source_note(s, 0, "%llu of them recovered by libevtx from outside the chunks' lists of "
                    "records (free space, past a damaged record): they may be old or repeated",
                    (unsigned long long)rd.recovered);
    if (whole == 0)
        source_note(s, 0, "libevtx cannot open the file as a whole (%.90s): its %zu chunks "
                    "were read one by one", why, nchunks - empty);
    char where[100];
    if (refused.n) {
        chunk_words(&refused, nchunks, where, sizeof where);
        if (refused.n == 1)
            source_note(s, 0, "%s left out: libevtx cannot read it (%.70s)", where, refused.why);
        else
            source_note(s, 0, "%llu chunks left out, libevtx cannot read them; the first, %s: "
                        "%.50s", (unsigned long long)refused.n, where, refused.why);
    }
    if (damaged.n) {
        chunk_words(&damaged, nchunks, where, sizeof where);
        if (damaged.n == 1)
            source_note(s, 0, "%s %s: its events are shown as libevtx read them; some may be "
                        "missing or damaged", where, damaged.what);
        else
            source_note(s, 0, "%llu chunks are damaged; the first, %s, %s: their events are "
                        "shown as libevtx read them", (unsigned long long)damaged.n, where,
                        damaged.what);
    }
    switch (tail_kind) {
    case TAIL_READ:
        source_note(s, 0, "the file is cut short: it ends %zu bytes into chunk %zu (the header "
                    "counts %u): %llu events read from that piece, the rest of it is lost",
                    tail, nchunks + 1, header_chunks, (unsigned long long)tail_events);
        break;
    case TAIL_REFUSED:
        source_note(s, 0, "the file is cut short: it ends %zu bytes into chunk %zu (the header "
                    "counts %u), a piece libevtx cannot read (%.60s)", tail, nchunks + 1,
                    header_chunks, chunk_why);
        break;
    case TAIL_IN_HEADER:
        source_note(s, 0, "the file is cut short: it ends %zu bytes into chunk %zu, inside the "
                    "chunk's header (the header counts %u): its events are lost", tail,
                    nchunks + 1, header_chunks);
        break;
    case TAIL_EMPTY:
        source_note(s, 0, "the file is cut short: it ends %zu bytes into chunk %zu, an empty "
                    "one (zero-filled): no event in it", tail, nchunks + 1);
        break;
    case TAIL_JUNK:
        source_note(s, 0, "%zu bytes after the last whole chunk are not a chunk: left out",
                    tail);
        break;
    case TAIL_NONE:
        break;
    }
    if (corrupted && !damaged.n && !tail) {
        size_t used = nchunks - empty;
        if (header_chunks > used)
            source_note(s, 0, "the header counts %u chunks, the file holds %zu that are not "
                        "empty: it may have been cut short at the end of a chunk",
                        header_chunks, used);
        else if (header_chunks < used)
            source_note(s, 0, "the header counts %u chunks, the file holds %zu that are not "
                        "empty (a header not brought up to date, as when a file is not "
                        "closed)", header_chunks, used);
        else
            source_note(s, 0, "libevtx reports damage in the file that it does not name");
    }
    if (rd.bad) {
        /* "record 13000", or "the one after record 12999" when libevtx cannot say its number */
        char at[100] = "";
        size_t k = 0;
        for (uint64_t i = 0; i < rd.bad && i < EVTX_BAD_IDS && k < sizeof at; i++) {
            const char *sep = i ? ", " : "";
            if (rd.bad_at[i].id)
                k += (size_t)snprintf(at + k, sizeof at - k, "%srecord %llu", sep,
                                      (unsigned long long)rd.bad_at[i].id);
            else if (rd.bad_at[i].after)
                k += (size_t)snprintf(at + k, sizeof at - k, "%sthe one after record %llu", sep,
                                      (unsigned long long)rd.bad_at[i].after);
            else
                k += (size_t)snprintf(at + k, sizeof at - k, "%sthe first", sep);
        }
        if (rd.bad == 1)
            source_note(s, 0, "1 record libevtx could not read is left out: %s", at);
        else
            source_note(s, 0, "%llu records libevtx could not read are left out: %s%s",
                        (unsigned long long)rd.bad, at, rd.bad > EVTX_BAD_IDS ? "..." : "");
    }
    if (!wev_finish(s, out, &rd.o)) {
        wev_out_free(&rd.o);
        return false;
    }
    wev_out_free(&rd.o);
    s->role = role;
    return true;

oom:
    free(scratch);
    wev_out_free(&rd.o);
    return false;
}

/* Trials first (see the top of this file), then the reading itself, without the calls that
 * did not get through. */
static bool evtx_parse(struct source *s, struct evbuf *out)
{
    struct guard g;
    memset(&g, 0, sizeof g);
    bool tried = s->raw_size >= EVTX_HEADER;
    while (tried) {
        uint64_t died = UINT64_MAX;
        int r = trial(s, &g, &died);
        if (r != 0)
            break; /* through, or no trial possible: read as before */
        if (died == UINT64_MAX || g.nskip == GUARD_TRIES) {
            char why[120];
            snprintf(why, sizeof why, "libevtx went past %u MB or %u s on %zu parts of it, or "
                     "crashed, and would again", GUARD_MB, GUARD_SECS, g.nskip + 1);
            return refuse(s, "left out, it is damaged", why);
        }
        g.skip[g.nskip++] = died;
    }
    guard = &g;
    bool ok = evtx_read(s, out);
    guard = NULL;
    if (ok && g.skipped)
        source_note(s, 0, "%llu of its records or chunks left out: libevtx went past %u MB or "
                    "%u s on them, or crashed (a damaged file)", (unsigned long long)g.skipped,
                    GUARD_MB, GUARD_SECS);
    return ok;
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
