/* test_source.c - reading files: encodings, BOMs, binary files, the folder walk and its order,
 * skip reasons, --tz rules, the merged timeline's order, and output escaping. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "bundle.h"
#include "escape.h"
#include "timeline.h"
#include "utf8.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/scepscope-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
    return buf;
}

static void write_file(const char *name, const void *data, size_t n)
{
    char *p = path_in(name);
    char *slash = strrchr(p, '/');
    *slash = 0;
    mkdir(p, 0755);
    *slash = '/';
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static const char NDES_LINE[] =
    "<![LOG[Verify challenge returns true]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" "
    "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"ndesplugin.cpp:834\">";

/* The same text as UTF-16, little or big endian, with a BOM. */
static size_t to_utf16(const char *ascii, unsigned char *out, bool be, bool bom)
{
    size_t o = 0;
    if (bom) {
        out[o++] = be ? 0xFE : 0xFF;
        out[o++] = be ? 0xFF : 0xFE;
    }
    for (const char *p = ascii; *p; p++) {
        out[o++] = be ? 0 : (unsigned char)*p;
        out[o++] = be ? (unsigned char)*p : 0;
    }
    return o;
}

static struct bundle load_one_path(const char *name)
{
    struct bundle b = { 0 };
    assert_true(bundle_add_path(&b, path_in(name)));
    assert_true(bundle_load(&b));
    return b;
}

static void check_one_event(const char *name, enum encoding enc)
{
    struct bundle b = load_one_path(name);
    assert_int_equal(b.nsrc, 1);
    struct source *s = b.src[0];
    assert_false(s->skipped);
    assert_int_equal(s->enc, enc);
    assert_string_equal(s->parser->name, "cmtrace");
    assert_int_equal(b.nev, 2);
    struct span m = event_message(s, &b.ev[0]);
    assert_int_equal(m.n, strlen("Verify challenge returns true"));
    assert_memory_equal(m.p, "Verify challenge returns true", m.n);
    assert_int_equal(b.ev[1].line, 2);
    bundle_free(&b);
}

static void test_utf16_le_and_be_with_bom(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "%s\r\n%s\r\n", NDES_LINE, NDES_LINE);
    unsigned char buf[4096];
    size_t n = to_utf16(text, buf, false, true);
    write_file("le.log", buf, n);
    check_one_event("le.log", ENC_UTF16LE);
    n = to_utf16(text, buf, true, true);
    write_file("be.log", buf, n);
    check_one_event("be.log", ENC_UTF16BE);
    /* without a BOM the zero bytes still give it away */
    n = to_utf16(text, buf, false, false);
    write_file("le-nobom.log", buf, n);
    check_one_event("le-nobom.log", ENC_UTF16LE);
}

static void test_utf8_bom_and_last_line_without_newline(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "\xEF\xBB\xBF%s\n%s", NDES_LINE, NDES_LINE);
    write_file("bom.log", text, strlen(text));
    check_one_event("bom.log", ENC_UTF8_BOM);
    struct bundle b = load_one_path("bom.log");
    assert_int_equal(b.src[0]->lines, 2);
    bundle_free(&b);
}

static void test_cp1252_is_transcoded(void **state)
{
    (void)state;
    /* "Zürich" in Windows-1252: 0xFC is not UTF-8 */
    const char text[] =
        "<![LOG[Site Z\xFCrich \x80 5]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" "
        "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n";
    write_file("ansi.log", text, strlen(text));
    struct bundle b = load_one_path("ansi.log");
    assert_int_equal(b.src[0]->enc, ENC_CP1252);
    struct span m = event_message(b.src[0], &b.ev[0]);
    const char want[] = "Site Z\xC3\xBCrich \xE2\x82\xAC 5";
    assert_int_equal(m.n, strlen(want));
    assert_memory_equal(m.p, want, m.n);
    bundle_free(&b);
}

static void test_binary_and_empty_files_are_skipped_with_reason(void **state)
{
    (void)state;
    write_file("case/a.gz", "\x1F\x8B\x08\x00rest", 8);
    write_file("case/b.empty", "", 0);
    write_file("case/c.txt", "Hello, this is a note from the customer.\n", 41);
    unsigned char bin[512];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i % 3 ? 0 : i);
    write_file("case/d.bin", bin, sizeof bin);
    write_file("case/e/NDESPlugin.log", NDES_LINE, strlen(NDES_LINE));
    struct bundle b = load_one_path("case");
    assert_int_equal(b.nsrc, 5);
    /* name order, recursively */
    assert_non_null(strstr(b.src[0]->path, "case/a.gz"));
    assert_non_null(strstr(b.src[4]->path, "case/e/NDESPlugin.log"));
    assert_true(b.src[0]->skipped);
    assert_non_null(strstr(b.src[0]->notes[0], "gzip"));
    assert_true(b.src[1]->skipped);
    assert_string_equal(b.src[1]->notes[0], "empty file");
    assert_true(b.src[2]->skipped);
    assert_non_null(strstr(b.src[2]->notes[0], "no known log format"));
    assert_non_null(strstr(b.src[2]->notes[0], "Hello, this is a note"));
    assert_true(b.src[3]->skipped);
    assert_non_null(strstr(b.src[3]->notes[0], "binary"));
    assert_false(b.src[4]->skipped);
    assert_int_equal(bundle_readable(&b), 1);
    assert_int_equal(b.nev, 1);
    bundle_free(&b);
}

static void test_missing_path_is_skipped(void **state)
{
    (void)state;
    struct bundle b = load_one_path("does-not-exist.log");
    assert_int_equal(b.nsrc, 1);
    assert_true(b.src[0]->skipped);
    assert_non_null(strstr(b.src[0]->notes[0], "No such file"));
    assert_int_equal(bundle_readable(&b), 0);
    bundle_free(&b);
}

static void test_tz_rule_overrides_and_matches_basename(void **state)
{
    (void)state;
    const char crp[] =
        "<![LOG[VerifyRequest Finished with status True]LOG]!><time=\"12:44:12.1514137\" "
        "date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" "
        "thread=\"238\" file=\"\">\n";
    write_file("tz/CRP.log", crp, strlen(crp));
    struct bundle b = { 0 };
    char err[256];
    assert_false(bundle_add_tz(&b, "CRP.log", err, sizeof err));
    assert_false(bundle_add_tz(&b, "CRP.log=+25:00", err, sizeof err));
    assert_true(bundle_add_tz(&b, "*.txt=-05:00", err, sizeof err));
    assert_true(bundle_add_tz(&b, "CRP.log=+10:00", err, sizeof err));
    assert_true(bundle_add_path(&b, path_in("tz")));
    assert_true(bundle_load(&b));
    assert_int_equal(b.src[0]->zone, ZONE_GIVEN);
    char t[32];
    time_format_iso(b.ev[0].t, t);
    assert_string_equal(t, "2016-06-10T02:44:12.151Z");
    bundle_free(&b);
    /* without the rule: no zone in the log, read as UTC */
    b = load_one_path("tz");
    assert_int_equal(b.src[0]->zone, ZONE_ASSUMED_UTC);
    time_format_iso(b.ev[0].t, t);
    assert_string_equal(t, "2016-06-10T12:44:12.151Z");
    bundle_free(&b);
}

static void test_merge_keeps_file_then_line_order_for_ties(void **state)
{
    (void)state;
    /* two files, same second: file order (a before b) then line order decide */
    const char a[] =
        "<![LOG[a1]LOG]!><time=\"02:44:12.000+00\" date=\"06-10-2016\" component=\"X\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n"
        "<![LOG[a2]LOG]!><time=\"02:44:11.000+00\" date=\"06-10-2016\" component=\"X\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n"
        "<![LOG[a3]LOG]!><time=\"02:44:12.000+00\" date=\"06-10-2016\" component=\"X\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n";
    const char bb[] =
        "<![LOG[b1]LOG]!><time=\"02:44:12.000+00\" date=\"06-10-2016\" component=\"X\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n"
        "<![LOG[b2]LOG]!><time=\"03:44:12.000+60\" date=\"06-10-2016\" component=\"X\" context=\"\" type=\"1\" thread=\"1\" file=\"\">\n";
    write_file("merge/a.log", a, strlen(a));
    write_file("merge/b.log", bb, strlen(bb));
    struct bundle b = load_one_path("merge");
    assert_int_equal(b.nev, 5);
    const char *want[] = { "a2", "a1", "a3", "b1", "b2" };
    for (size_t i = 0; i < 5; i++) {
        struct span m = event_message(b.src[b.ev[i].src], &b.ev[i]);
        assert_int_equal(m.n, 2);
        assert_memory_equal(m.p, want[i], 2);
    }
    /* b2 is 03:44:12 local with bias +60: 04:44:12Z, the last one */
    char t[32];
    time_format_iso(b.ev[4].t, t);
    assert_string_equal(t, "2016-06-10T04:44:12.000Z");
    bundle_free(&b);
}

static void test_stable_sort_of_many_events(void **state)
{
    (void)state;
    enum { N = 5000 };
    struct event *v = calloc(N, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < N; i++) {
        v[i].t = (int64_t)((i * 7919) % 13);
        v[i].line = (uint32_t)i + 1;
    }
    assert_true(timeline_sort_stable(v, N));
    for (size_t i = 1; i < N; i++) {
        assert_true(v[i - 1].t <= v[i].t);
        if (v[i - 1].t == v[i].t)
            assert_true(v[i - 1].line < v[i].line);
    }
    free(v);
}

static char *escaped(void (*fn)(FILE *, struct span), const char *p, size_t n)
{
    static char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    fn(f, span_make(p, n));
    fclose(f);
    return buf;
}

static void test_escaping_never_lets_control_bytes_through(void **state)
{
    (void)state;
    const char evil[] = "red\x1b[31m\tbell\x07 nul\0 csi\xC2\x9b bidi\xE2\x80\xAE bad\xFF ok\xC3\xA9";
    size_t n = sizeof evil - 1;
    assert_string_equal(escaped(esc_text, evil, n),
                        "red\\x1b[31m\\tbell\\x07 nul\\x00 csi\\u009b bidi\\u202e bad\\xff ok\xC3\xA9");
    assert_string_equal(escaped(esc_json, evil, n),
                        "red\\u001b[31m\\tbell\\u0007 nul\\u0000 csi\\u009b bidi\\u202e bad\\ufffd ok\xC3\xA9");
    assert_string_equal(escaped(esc_json, "a\"b\\c\n", 6), "a\\\"b\\\\c\\n");
}

static void test_utf8_validation_is_strict(void **state)
{
    (void)state;
    assert_int_equal(utf8_seq_len((const unsigned char *)"\xC0\x80", 2), 0);     /* overlong */
    assert_int_equal(utf8_seq_len((const unsigned char *)"\xED\xA0\x80", 3), 0); /* surrogate */
    assert_int_equal(utf8_seq_len((const unsigned char *)"\xF4\x90\x80\x80", 4), 0);
    assert_int_equal(utf8_seq_len((const unsigned char *)"\xE2\x82", 2), 0);     /* truncated */
    assert_int_equal(utf8_seq_len((const unsigned char *)"\xF0\x9F\x94\x92", 4), 4);
    unsigned char odd[] = { 'A', 0, 0x3D, 0xD8, 'B' }; /* A, lone high surrogate, odd byte */
    char out[32];
    uint64_t rep = 0;
    size_t n = utf16_to_utf8(odd, sizeof odd, false, out, &rep);
    assert_int_equal(rep, 2);
    assert_int_equal(n, 1 + 3 + 3);
}

static bool has_note(const struct source *s, const char *text)
{
    for (unsigned i = 0; i < s->nnotes; i++)
        if (strstr(s->notes[i], text))
            return true;
    return false;
}

/* A mapped file cut short under the reader: the lost pages read as zeros (no SIGBUS death)
 * and the source says so. */
static void test_file_shrinking_while_mapped_reads_zeros(void **state)
{
    (void)state;
    long pg = sysconf(_SC_PAGESIZE);
    size_t n = (size_t)pg * 4;
    char *data = malloc(n);
    assert_non_null(data);
    memset(data, 'A', n);
    write_file("shrink.log", data, n);
    free(data);
    struct source s = { 0 };
    s.path = strdup(path_in("shrink.log"));
    char why[128];
    assert_true(source_open(&s, s.path, why, sizeof why));
    assert_non_null(s.map);
    assert_int_equal(s.raw[0], 'A');
    assert_int_equal(s.raw[n - 1], 'A');
    source_check_changed(&s);
    assert_int_equal(s.nnotes, 0);
    /* the test framework sets its own SIGBUS handler per test: put ours back */
    source_guard_maps();
    assert_int_equal(truncate(s.path, pg), 0);
    volatile const unsigned char *p = s.raw;
    assert_int_equal(p[0], 'A');
    assert_int_equal(p[(size_t)pg * 2 + 10], 0); /* a lost page: SIGBUS, handled */
    assert_int_equal(p[n - 1], 0);
    source_check_changed(&s);
    assert_true(has_note(&s, "the file shrank while it was read"));
    assert_true(has_note(&s, "its end reads as NUL bytes"));
    source_free(&s);
}

static void test_file_growing_is_read_to_its_size_when_opened(void **state)
{
    (void)state;
    write_file("grow.log", "abc\n", 4);
    struct source s = { 0 };
    s.path = strdup(path_in("grow.log"));
    char why[128];
    assert_true(source_open(&s, s.path, why, sizeof why));
    FILE *f = fopen(s.path, "ab");
    assert_non_null(f);
    fputs("def\n", f);
    fclose(f);
    assert_int_equal(s.raw_size, 4);
    source_check_changed(&s);
    assert_true(has_note(&s, "the file grew while it was read: read up to the 4 bytes"));
    source_free(&s);
}

static void test_fifo_does_not_block(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(path_in("pipe.log"), 0600), 0);
    struct source s = { 0 };
    s.path = strdup(path_in("pipe.log"));
    char why[128];
    /* nobody writes to it: opened without waiting, and read as empty */
    assert_true(source_open(&s, s.path, why, sizeof why));
    assert_int_equal(s.raw_size, 0);
    source_free(&s);
    struct bundle b = { 0 };
    assert_true(bundle_add_path(&b, tmpdir));
    for (size_t i = 0; i < b.nsrc; i++)
        if (strstr(b.src[i]->path, "pipe.log")) {
            assert_true(b.src[i]->skipped);
            assert_non_null(strstr(b.src[i]->notes[0], "named pipe"));
        }
    bundle_free(&b);
    unlink(path_in("pipe.log"));
}

static void test_symlink_loop_is_skipped_and_named(void **state)
{
    (void)state;
    assert_int_equal(mkdir(path_in("loop"), 0755), 0);
    write_file("loop/a/x.log", "x\n", 2);
    char target[300];
    snprintf(target, sizeof target, "%s", path_in("loop/a/b"));
    assert_int_equal(symlink("..", target), 0);
    struct bundle b = { 0 };
    assert_true(bundle_add_path(&b, path_in("loop")));
    bool named = false;
    for (size_t i = 0; i < b.nsrc; i++)
        if (strcmp(b.src[i]->path, target) == 0)
            named = b.src[i]->skipped && strstr(b.src[i]->notes[0], "(a loop)") != NULL;
    assert_true(named);
    bundle_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16_le_and_be_with_bom),
        cmocka_unit_test(test_utf8_bom_and_last_line_without_newline),
        cmocka_unit_test(test_cp1252_is_transcoded),
        cmocka_unit_test(test_binary_and_empty_files_are_skipped_with_reason),
        cmocka_unit_test(test_missing_path_is_skipped),
        cmocka_unit_test(test_tz_rule_overrides_and_matches_basename),
        cmocka_unit_test(test_merge_keeps_file_then_line_order_for_ties),
        cmocka_unit_test(test_stable_sort_of_many_events),
        cmocka_unit_test(test_escaping_never_lets_control_bytes_through),
        cmocka_unit_test(test_utf8_validation_is_strict),
        cmocka_unit_test(test_file_shrinking_while_mapped_reads_zeros),
        cmocka_unit_test(test_file_growing_is_read_to_its_size_when_opened),
        cmocka_unit_test(test_fifo_does_not_block),
        cmocka_unit_test(test_symlink_loop_is_skipped_and_named),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
