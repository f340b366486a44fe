/* source.c - opening an input file read-only, mapping it, and decoding it to UTF-8 text.
 * Every reason a file cannot be read ends up as words the user sees. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bigmem.h"
#include "parser.h"
#include "source.h"
#include "timeutil.h"
#include "utf8.h"

/* A note's words into d (SOURCE_NOTE_LEN bytes), after its line when it has one. */
static void note_format(char *d, uint64_t line, const char *fmt, va_list ap)
{
    int k = 0;
    if (line)
        k = snprintf(d, SOURCE_NOTE_LEN, "line %llu: ", (unsigned long long)line);
    vsnprintf(d + k, SOURCE_NOTE_LEN - (size_t)k, fmt, ap);
}

void source_note(struct source *s, uint64_t line, const char *fmt, ...)
{
    if (s->nnotes >= SOURCE_NOTES_MAX) {
        s->notes_dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    note_format(s->notes[s->nnotes++], line, fmt, ap);
    va_end(ap);
}

_Thread_local struct source_view source_view;

void source_note_decoding(struct source *s, uint64_t line, const char *fmt, ...)
{
    char d[SOURCE_NOTE_LEN];
    va_list ap;
    va_start(ap, fmt);
    note_format(d, line, fmt, ap);
    va_end(ap);
    unsigned at = s->notes_before_parse <= s->nnotes ? s->notes_before_parse : s->nnotes;
    if (at >= SOURCE_NOTES_MAX) {
        s->notes_dropped++;
        return;
    }
    if (s->nnotes >= SOURCE_NOTES_MAX) { /* the parse's last note makes room */
        s->notes_dropped++;
        s->nnotes--;
    }
    memmove(s->notes[at + 1], s->notes[at], (size_t)(s->nnotes - at) * sizeof s->notes[0]);
    memcpy(s->notes[at], d, sizeof d);
    s->nnotes++;
    s->notes_before_parse = at + 1;
}

const char *encoding_name(enum encoding e)
{
    switch (e) {
    case ENC_UTF8_BOM: return "utf-8-bom";
    case ENC_UTF16LE: return "utf-16le";
    case ENC_UTF16BE: return "utf-16be";
    case ENC_CP1252: return "windows-1252";
    default: return "utf-8";
    }
}

const char *role_name(enum role r)
{
    switch (r) {
    case ROLE_NDES_IIS: return "ndes-iis";
    case ROLE_CRP_IIS: return "crp-iis";
    case ROLE_IIS: return "iis";
    case ROLE_NDESPLUGIN: return "ndesplugin";
    case ROLE_CRP: return "crp";
    case ROLE_CONFIGMGR: return "configmgr";
    case ROLE_CAPTURE: return "capture";
    case ROLE_CA_EVENTS: return "ca-events";
    case ROLE_NDES_EVENTS: return "ndes-events";
    case ROLE_DEVICE_EVENTS: return "device-events";
    case ROLE_EVENTS: return "events";
    case ROLE_CA_DB: return "ca-database";
    case ROLE_CERT_STORE: return "cert-store";
    case ROLE_CERT: return "certificate";
    case ROLE_ANDROID_LOG: return "android-log";
    case ROLE_APPLE_LOG: return "apple-log";
    default: return "unknown";
    }
}

bool role_is_event_log(enum role r)
{
    return r == ROLE_CA_EVENTS || r == ROLE_NDES_EVENTS || r == ROLE_DEVICE_EVENTS ||
           r == ROLE_EVENTS || r == ROLE_ANDROID_LOG || r == ROLE_APPLE_LOG;
}

bool role_is_device(enum role r)
{
    return r == ROLE_DEVICE_EVENTS || r == ROLE_ANDROID_LOG || r == ROLE_APPLE_LOG;
}

bool role_from_name(const char *name, enum role *out)
{
    for (int r = ROLE_UNKNOWN; r < ROLE_COUNT; r++) {
        if (strcmp(role_name((enum role)r), name) == 0) {
            *out = (enum role)r;
            return true;
        }
    }
    return false;
}

const char *zone_name(enum zone z)
{
    switch (z) {
    case ZONE_BIAS: return "bias";
    case ZONE_ASSUMED_UTC: return "assumed-utc";
    case ZONE_GIVEN: return "given";
    case ZONE_MIXED: return "mixed";
    case ZONE_OFFSET: return "offset";
    default: return "utc";
    }
}

/* ---- opening ------------------------------------------------------------------------------ */

/* Files that cannot be mapped (pipes, /dev/stdin, some special files) are read, up to this. */
#define READ_LIMIT ((size_t)4 << 30)

static bool read_all(int fd, struct source *s, char *why, size_t whylen)
{
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= READ_LIMIT) {
                free(buf);
                snprintf(why, whylen, "larger than %zu GiB and not mappable", READ_LIMIT >> 30);
                return false;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                snprintf(why, whylen, "out of memory");
                return false;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            snprintf(why, whylen, "cannot read: %s", strerror(errno));
            free(buf);
            return false;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    s->raw_heap = buf;
    s->raw = buf;
    s->raw_size = n;
    return true;
}

/* Files mapped with their page tables filled at once (see source_populate). */
#define POPULATE_MAX ((size_t)256 << 20)

/* Maps a file of `size` bytes for reading, MAP_FAILED when it cannot. At an address on a 2 MB
 * boundary, and asked for 2 MB pages: where the page cache holds the file in 2 MB pieces (a
 * file read cold through such a mapping, or written in large pieces), each is mapped by one
 * page table entry instead of 512, and first touching the text costs a tenth. Its page tables
 * are filled later, if at all (source_populate). */
static void *map_file(int fd, size_t size)
{
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    if (size > SIZE_MAX - page)
        return mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    size_t len = (size + page - 1) & ~(page - 1);
    void *at = big_place(len, 0, PROT_NONE); /* the file replaces it whole */
    if (at == MAP_FAILED)
        return mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    void *m = mmap(at, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    if (m == MAP_FAILED) {
        munmap(at, len);
        return mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
#ifdef MADV_HUGEPAGE
    madvise(m, size, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
    return m;
}

/* A log of up to 256 MB read whole through its mapping has its page tables filled at once: one
 * call instead of a page fault every 64 KB, which a virtual machine that traps page table
 * changes makes costly; a larger one is faulted in as it is read. (A log read through
 * core/textwin touches its mapping only for the lines looked at again later.) */
void source_populate(struct source *s)
{
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 on; older ones refuse it, and the text is faulted
                                 in as it is read */
#endif
    if (s->map && s->map_size <= POPULATE_MAX)
        madvise(s->map, s->map_size, MADV_POPULATE_READ);
}

void source_close_fd(struct source *s)
{
    if (s->fd_open)
        close(s->fd);
    s->fd_open = false;
}

/* ---- a file that shrinks while it is mapped -------------------------------------------------
 * Touching a page of a mapping that lies wholly past the end of its file raises SIGBUS. Logs are
 * read while servers may still rotate or truncate them, so the handler puts a page of zeros in
 * place of the lost one and notes its address: the read goes on, the lost end reads as NUL
 * bytes, and source_check_changed() later tells the source whose mapping it was. */

#define FAULTS_MAX 64
static atomic_uintptr_t faults[FAULTS_MAX]; /* pages replaced, until their source is freed */
static atomic_uintptr_t faults_lost; /* faults not recorded: faults[] was full */
static struct sigaction old_bus;
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static long page_size = 4096;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    long pg = page_size;
    uintptr_t a = (uintptr_t)si->si_addr & ~(uintptr_t)(pg - 1);
    if (si->si_code == BUS_ADRERR && a &&
        mmap((void *)a, (size_t)pg, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            != MAP_FAILED) {
        for (unsigned k = 0; k < FAULTS_MAX; k++) {
            uintptr_t none = 0;
            if (atomic_compare_exchange_strong(&faults[k], &none, a))
                return;
        }
        atomic_fetch_add(&faults_lost, 1);
        return;
    }
    /* not a lost page of a mapped file: what would have happened without this handler */
    if ((old_bus.sa_flags & SA_SIGINFO) && old_bus.sa_sigaction != on_sigbus) {
        old_bus.sa_sigaction(sig, si, ctx);
        return;
    }
    if (!(old_bus.sa_flags & SA_SIGINFO) && old_bus.sa_handler != SIG_DFL &&
        old_bus.sa_handler != SIG_IGN) {
        old_bus.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

void source_guard_maps(void)
{
    pthread_mutex_lock(&bus_lock);
    long pg = sysconf(_SC_PAGESIZE);
    if (pg > 0)
        page_size = pg;
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur) == 0 &&
        !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &old_bus);
    }
    pthread_mutex_unlock(&bus_lock);
}

void source_check_changed(struct source *s)
{
    if (!s->map)
        return;
    uintptr_t lo = (uintptr_t)s->map, hi = lo + s->map_size;
    bool lost = false;
    for (unsigned k = 0; k < FAULTS_MAX && !lost; k++) {
        uintptr_t a = atomic_load(&faults[k]);
        lost = a >= lo && a < hi;
    }
    struct stat st;
    bool now = stat(s->path, &st) == 0 && S_ISREG(st.st_mode);
    if (lost || (atomic_load(&faults_lost) && now && (uintmax_t)st.st_size < s->map_size))
        source_note(s, 0, "the file shrank while it was read (%zu bytes when opened%s): its "
                    "end reads as NUL bytes", s->map_size, now ? ", fewer now" : "");
    else if (now && (uintmax_t)st.st_size < s->map_size)
        source_note(s, 0, "the file shrank after it was read: it had %zu bytes when opened, "
                    "%jd now", s->map_size, (intmax_t)st.st_size);
    else if (now && (uintmax_t)st.st_size > s->map_size)
        source_note(s, 0, "the file grew while it was read: read up to the %zu bytes it had "
                    "when opened (%jd now)", s->map_size, (intmax_t)st.st_size);
}

/* What a path that is neither a file nor a folder is, in words; NULL for a pipe (read). */
const char *source_special_kind(mode_t mode)
{
    if (S_ISCHR(mode))
        return "a character device, not a log file";
    if (S_ISBLK(mode))
        return "a block device, not a log file";
    if (S_ISSOCK(mode))
        return "a socket, not a log file";
    return NULL;
}

bool source_open(struct source *s, const char *path, char *why, size_t whylen)
{
    /* O_NONBLOCK: opening a named pipe nobody writes to must not wait for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, whylen, "cannot stat: %s", strerror(errno));
        close(fd);
        return false;
    }
    s->mtime = (int64_t)st.st_mtim.tv_sec * US_PER_SEC + st.st_mtim.tv_nsec / 1000;
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "is a folder");
        close(fd);
        return false;
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size >= EVENT_MAX_OFFSET) {
        snprintf(why, whylen, "larger than 1 TiB: not read");
        close(fd);
        return false;
    }
    const char *special = source_special_kind(st.st_mode);
    if (special) {
        snprintf(why, whylen, "%s", special);
        close(fd);
        return false;
    }
    /* a pipe is read as it comes; with no writer it reads as empty */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    bool ok = true;
    if (S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size <= SIZE_MAX) {
        size_t size = (size_t)st.st_size;
        source_guard_maps();
        void *m = map_file(fd, size);
        if (m == MAP_FAILED) {
            ok = read_all(fd, s, why, whylen);
        } else {
            s->map = m;
            s->map_size = size;
            s->raw = m;
            s->raw_size = size;
            /* kept for core/textwin, which reads the file through it while it is parsed */
            s->fd = fd;
            s->fd_open = true;
            return true;
        }
    } else if (S_ISREG(st.st_mode)) {
        s->raw = (const unsigned char *)"";
        s->raw_size = 0;
    } else {
        ok = read_all(fd, s, why, whylen);
    }
    close(fd);
    return ok;
}

/* ---- encodings ---------------------------------------------------------------------------- */

enum encoding source_guess_encoding(const unsigned char *raw, size_t n, size_t *bom_len)
{
    *bom_len = 0;
    if (n >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF) {
        *bom_len = 3;
        return ENC_UTF8_BOM;
    }
    if (n >= 2 && raw[0] == 0xFF && raw[1] == 0xFE) {
        *bom_len = 2;
        return ENC_UTF16LE;
    }
    if (n >= 2 && raw[0] == 0xFE && raw[1] == 0xFF) {
        *bom_len = 2;
        return ENC_UTF16BE;
    }
    /* UTF-16 without BOM: text in Latin script has a zero in every other byte */
    size_t m = n < 4096 ? n : 4096;
    m &= ~(size_t)1;
    if (m >= 8) {
        size_t zero_even = 0, zero_odd = 0;
        for (size_t i = 0; i < m; i += 2) {
            zero_even += raw[i] == 0;
            zero_odd += raw[i + 1] == 0;
        }
        size_t units = m / 2;
        if (zero_odd * 10 >= units * 7 && zero_even * 20 <= units)
            return ENC_UTF16LE;
        if (zero_even * 10 >= units * 7 && zero_odd * 20 <= units)
            return ENC_UTF16BE;
    }
    return ENC_UTF8;
}

const char *source_binary_kind(const unsigned char *raw, size_t n, enum encoding enc)
{
    if (n >= 2 && raw[0] == 0x1F && raw[1] == 0x8B)
        return "gzip-compressed file: unpack it first";
    if (n >= 4 && memcmp(raw, "PK\3\4", 4) == 0)
        return "zip archive: extract it first";
    if (n >= 8 && memcmp(raw, "ElfFile", 8) == 0)
        return "Windows event log (.evtx): not read yet; export it as text";
    if (n >= 4 && (memcmp(raw, "\xD4\xC3\xB2\xA1", 4) == 0 || memcmp(raw, "\xA1\xB2\xC3\xD4", 4) == 0 ||
                   memcmp(raw, "\x4D\x3C\xB2\xA1", 4) == 0 || memcmp(raw, "\xA1\xB2\x3C\x4D", 4) == 0))
        return "network capture (pcap) that libpcap cannot read";
    if (n >= 4 && memcmp(raw, "\x0A\x0D\x0D\x0A", 4) == 0)
        return "network capture (pcapng) whose section header is damaged: not read";
    /* an ETW trace: a WMI_BUFFER_HEADER (0x48 bytes, the buffer's size first), then the
     * SYSTEM_TRACE_HEADER of the log file header event: header type 1 or 2 (32 or 64-bit),
     * flags 0xC0 (TRACE_HEADER_FLAG | TRACE_HEADER_EVENT_TRACE), hook 0 (group header, info) */
    if (n >= 0x50 && (raw[0x4A] == 1 || raw[0x4A] == 2) && raw[0x4B] == 0xC0 &&
        raw[0x4E] == 0 && raw[0x4F] == 0) {
        uint32_t bs = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
                      (uint32_t)raw[3] << 24;
        if (bs >= 1024 && bs <= (64u << 20) && bs % 1024 == 0)
            return "a netsh trace (ETL) file: convert it with etl2pcapng "
                   "(https://github.com/microsoft/etl2pcapng), then give the .pcapng";
    }
    if (n >= 4 && memcmp(raw, "%PDF", 4) == 0)
        return "PDF document";
    if (enc == ENC_UTF16LE || enc == ENC_UTF16BE)
        return NULL;
    /* a text log has few NUL bytes; a binary file has many */
    size_t m = n < 4096 ? n : 4096, zeros = 0, lead = 0;
    for (size_t i = 0; i < m; i++)
        zeros += raw[i] == 0;
    while (lead < m && raw[lead] != 0)
        lead++;
    /* text, then only NULs: a log whose end was reserved but never written (a crash) */
    if (lead >= 64 && zeros == m - lead && memchr(raw, '\n', lead))
        return NULL;
    if (m > 0 && zeros * 10 > m)
        return "binary data (many NUL bytes), not a text log";
    return NULL;
}

static size_t decode_into(enum encoding enc, const unsigned char *p, size_t n, char *out,
                          uint64_t *replaced)
{
    switch (enc) {
    case ENC_UTF16LE: return utf16_to_utf8(p, n, false, out, replaced);
    case ENC_UTF16BE: return utf16_to_utf8(p, n, true, out, replaced);
    case ENC_CP1252: return cp1252_to_utf8(p, n, out);
    default:
        memcpy(out, p, n);
        return n;
    }
}

size_t source_decode_head(const struct source *s, char *out, size_t cap)
{
    const unsigned char *p = s->raw + s->bom_len;
    size_t n = s->raw_size - s->bom_len;
    /* enough input to fill cap in the worst case, cut on a unit boundary */
    size_t in = n;
    if (s->enc == ENC_UTF16LE || s->enc == ENC_UTF16BE) {
        if (in > (cap / 3) * 2)
            in = (cap / 3) * 2;
    } else if (s->enc == ENC_CP1252) {
        if (in > cap / 3)
            in = cap / 3;
    } else if (in > cap) {
        in = cap;
    }
    return decode_into(s->enc, p, in, out, NULL);
}

/* The line (from 1) of the first byte that starts no UTF-8 sequence; 0 when there is none. */
static uint64_t first_bad_line(const unsigned char *p, size_t n)
{
    size_t i = utf8_first_invalid(p, n);
    if (i >= n)
        return 0;
    uint64_t line = 1;
    for (const unsigned char *q = p, *end = p + i; (q = memchr(q, '\n', (size_t)(end - q))); q++)
        line++;
    return line;
}

/* A file that ends in NUL bytes: space reserved and never written. */
static void note_nul_tail(struct source *s, const unsigned char *p, size_t n)
{
    size_t nuls = 0;
    while (nuls < n && p[n - 1 - nuls] == 0)
        nuls++;
    if (nuls >= 16)
        source_note(s, 0, "the file ends with %zu NUL bytes: space reserved but never written "
                    "(the writer stopped, or the file was cut while written)", nuls);
}

/* Decodes a text known not to be UTF-8 (or a file without BOM found not to be) into s->heap.
 * late: the notes are source_note_decoding's. */
static bool decode_heap(struct source *s, bool late)
{
    const unsigned char *p = s->raw + s->bom_len;
    size_t n = s->raw_size - s->bom_len;
    size_t max = s->enc == ENC_CP1252 ? cp1252_out_max(n) : utf16_out_max(n);
    char *heap = malloc(max ? max : 1);
    if (!heap)
        return false;
    free(s->heap);
    s->heap = heap;
    uint64_t replaced = 0;
    s->size = decode_into(s->enc, p, n, s->heap, &replaced);
    s->text = s->heap;
    void (*note)(struct source *, uint64_t, const char *, ...) =
        late ? source_note_decoding : source_note;
    bool utf16 = s->enc == ENC_UTF16LE || s->enc == ENC_UTF16BE;
    if (utf16 && s->bom_len == 0)
        note(s, 0, "no byte order mark: read as %s (every other byte is zero)",
             s->enc == ENC_UTF16LE ? "UTF-16LE" : "UTF-16BE");
    if (utf16 && n % 2)
        note(s, 0, "UTF-16 with an odd number of bytes: the file is cut short, its last byte "
             "shown as U+FFFD");
    if (replaced > (utf16 && n % 2))
        note(s, 0, "%llu broken UTF-16 units replaced by U+FFFD",
             (unsigned long long)(replaced - (utf16 && n % 2)));
    return true;
}

static bool decode_cp1252(struct source *s, bool late)
{
    s->utf8_pending = false;
    s->enc = ENC_CP1252;
    (late ? source_note_decoding : source_note)(s, 0, "not UTF-8: read as Windows-1252 (ANSI)");
    return decode_heap(s, late);
}

static void note_stray_bytes(struct source *s, bool late, uint64_t line, uint64_t bad)
{
    (late ? source_note_decoding : source_note)(s, line, "%llu %s not UTF-8 (the first on this "
                                                "line): shown as \\xNN", (unsigned long long)bad,
                                                bad == 1 ? "byte is" : "bytes are");
}

void source_note_stray_bytes(struct source *s, uint64_t line, uint64_t bad)
{
    note_stray_bytes(s, true, line, bad);
}

/* Checks a text that may be UTF-8 whole, and keeps it as it is or decodes it as
 * Windows-1252. */
static bool decode_utf8_or_not(struct source *s, bool late)
{
    const unsigned char *p = s->raw + s->bom_len;
    size_t n = s->raw_size - s->bom_len;
    uint64_t mb, bad;
    utf8_scan(p, n, &mb, &bad);
    s->utf8_pending = false;
    if (bad == 0 || mb > 0 || s->enc == ENC_UTF8_BOM) {
        if (bad)
            note_stray_bytes(s, late, first_bad_line(p, n), bad);
        s->text = (const char *)p;
        s->size = n;
        return true;
    }
    return decode_cp1252(s, late);
}

bool source_decode_cp1252(struct source *s)
{
    return decode_cp1252(s, true);
}

bool source_decode(struct source *s)
{
    note_nul_tail(s, s->raw + s->bom_len, s->raw_size - s->bom_len);
    if (s->enc == ENC_UTF8 || s->enc == ENC_UTF8_BOM)
        return decode_utf8_or_not(s, false);
    return decode_heap(s, false);
}

bool source_decode_deferred(struct source *s)
{
    if (s->enc != ENC_UTF8 && s->enc != ENC_UTF8_BOM)
        return source_decode(s);
    note_nul_tail(s, s->raw + s->bom_len, s->raw_size - s->bom_len);
    s->text = (const char *)(s->raw + s->bom_len);
    s->size = s->raw_size - s->bom_len;
    s->utf8_pending = true;
    return true;
}

bool source_decode_settle(struct source *s)
{
    return !s->utf8_pending || decode_utf8_or_not(s, true);
}

void source_free(struct source *s)
{
    if (s->parser && s->parser->free_state)
        s->parser->free_state(s);
    if (s->map) {
        /* forget the pages of this mapping replaced by zeros: the addresses will be reused */
        uintptr_t lo = (uintptr_t)s->map, hi = lo + s->map_size;
        for (unsigned k = 0; k < FAULTS_MAX; k++) {
            uintptr_t a = atomic_load(&faults[k]);
            if (a >= lo && a < hi)
                atomic_compare_exchange_strong(&faults[k], &a, 0);
        }
        munmap(s->map, s->map_size);
    }
    source_close_fd(s);
    free(s->raw_heap);
    free(s->heap);
    free(s->path);
    *s = (struct source){ 0 };
}
