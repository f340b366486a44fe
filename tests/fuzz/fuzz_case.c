/* fuzz_case.c - a whole case: the input cut into up to FUZZ_CASE_FILES files at each
 * FUZZ_CASE_SEP, written into a fresh temporary folder, then loaded, diagnosed with the
 * built-in playbook and reported, as scepscope --report, --timeline and --sources do, in text
 * and JSON (into memory): the text must be safe for a terminal, the JSON well-formed. An input
 * that starts with "tz:" gives a --tz rule on its first line ("tz:f1.log=+10:00"). */
#include <stdio.h>
#include <unistd.h>

#include "builtin.h"
#include "bundle.h"
#include "diagnose.h"
#include "fuzz_common.h"
#include "fuzz_output.h"
#include "playbook.h"
#include "report.h"

#define FUZZ_CASE_SEP "\n--8<--\n"
#define FUZZ_CASE_SEP_LEN 8
#define FUZZ_CASE_FILES 4

/* The built-in playbook, compiled once and kept for the whole run. */
static const struct playbook *builtin_playbook(void)
{
    static struct playbook pb;
    static bool loaded;
    if (!loaded) {
        char err[512];
        const struct builtin_file *bf = builtin_find("playbooks/sccm-hybrid.yaml");
        FUZZ_CHECK(bf != NULL);
        FUZZ_CHECK(playbook_load_string(&pb, bf->path, bf->data, bf->len, err, sizeof err));
        loaded = true;
    }
    return &pb;
}

/* Runs one report into memory and checks it. */
#define REPORT(what, kind, call)                                                              \
    do {                                                                                      \
        char *buf_ = NULL;                                                                    \
        size_t len_ = 0;                                                                      \
        FILE *f = open_memstream(&buf_, &len_);                                               \
        FUZZ_CHECK(f != NULL);                                                                \
        call;                                                                                 \
        FUZZ_CHECK(fclose(f) == 0);                                                           \
        if ((kind) == 0)                                                                      \
            out_check_text(what, buf_, len_);                                                 \
        else                                                                                  \
            out_check_json(what, buf_, len_, (kind) == 2);                                    \
        free(buf_);                                                                           \
    } while (0)

static const uint8_t *find_sep(const uint8_t *p, const uint8_t *end)
{
    for (; end - p >= FUZZ_CASE_SEP_LEN; p++)
        if (*p == FUZZ_CASE_SEP[0] && memcmp(p, FUZZ_CASE_SEP, FUZZ_CASE_SEP_LEN) == 0)
            return p;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct playbook *pb = builtin_playbook();
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/scepscope-fuzz-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL);

    /* the files: names that sort in input order */
    char path[FUZZ_CASE_FILES][600];
    size_t nfiles = 0;
    const uint8_t *p = data, *end = data + size;
    char tz[128] = "";
    if (size >= 3 && memcmp(data, "tz:", 3) == 0) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t n = (size_t)((nl ? nl : end) - data) - 3;
        if (n < sizeof tz && !memchr(data + 3, 0, n)) {
            memcpy(tz, data + 3, n);
            tz[n] = 0;
        }
        p = nl ? nl + 1 : end;
    }
    while (nfiles < FUZZ_CASE_FILES) {
        const uint8_t *sep = nfiles + 1 < FUZZ_CASE_FILES ? find_sep(p, end) : NULL;
        const uint8_t *stop = sep ? sep : end;
        snprintf(path[nfiles], sizeof path[nfiles], "%s/f%zu.log", dir, nfiles);
        FILE *f = fopen(path[nfiles], "wb");
        FUZZ_CHECK(f != NULL);
        if (stop > p)
            FUZZ_CHECK(fwrite(p, 1, (size_t)(stop - p), f) == (size_t)(stop - p));
        FUZZ_CHECK(fclose(f) == 0);
        nfiles++;
        if (!sep)
            break;
        p = sep + FUZZ_CASE_SEP_LEN;
    }

    struct bundle b = { 0 };
    struct diagnosis d = { 0 };
    char err[256];
    if (tz[0])
        bundle_add_tz(&b, tz, err, sizeof err);
    /* as the program does, the files are classified as they load; every other input, by the
     * diagnosis afterwards (both must hold) */
    if ((size & 1) == 0)
        (void)diagnose_prepare(&b, pb); /* out of memory: the diagnosis classifies instead */
    if (bundle_add_path(&b, dir) && bundle_load(&b)) {
        /* every line accounted for, every event in the timeline, in time order */
        size_t events = 0;
        for (size_t i = 0; i < b.nsrc; i++) {
            const struct source *s = b.src[i];
            FUZZ_CHECK(s->lines == s->events + s->continuation + s->header + s->blank);
            events += s->events;
        }
        FUZZ_CHECK(events == b.nev);
        for (size_t i = 1; i < b.nev; i++)
            FUZZ_CHECK(b.ev[i - 1].t <= b.ev[i].t);
        REPORT("--sources", 0, report_sources(f, &b, OUT_TEXT));
        REPORT("--sources --json", 2, report_sources(f, &b, OUT_JSON));
        REPORT("notes", 0, report_notes(f, &b));
        if (diagnose_run(&d, &b, pb)) {
            REPORT("--report", 0, report_diagnosis(f, &d, OUT_TEXT));
            REPORT("--report --json", 1, report_diagnosis(f, &d, OUT_JSON));
            REPORT("--timeline", 0, report_timeline(f, &b, &d, OUT_TEXT, false));
            REPORT("--timeline --json", 2, report_timeline(f, &b, &d, OUT_JSON, false));
            diagnose_select(&d, "0", NULL);
            REPORT("--report --device 0", 0, report_diagnosis(f, &d, OUT_TEXT));
            REPORT("--timeline --device 0", 0, report_timeline(f, &b, &d, OUT_TEXT, false));
        }
    }
    diagnose_free(&d);
    bundle_free(&b);

    for (size_t i = 0; i < nfiles; i++)
        unlink(path[i]);
    rmdir(dir);
    return 0;
}
