/* test_textwin.c - reading a log's lines through the pread() window (core/textwin.c): every
 * line, its number and its offset are what reading the whole text would give, across window
 * ends, for lines longer than the window, CRLF and a last line without a line end; and the
 * UTF-8 check made as the window goes decides and notes what the whole-file check does, down
 * to a Windows-1252 file found out halfway. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "parser.h"
#include "source.h"
#include "textwin.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/scepscope-textwin-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A growing byte buffer to build a file in. */
struct fbuf {
    char *p;
    size_t n, cap;
};

static void put(struct fbuf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void puts_(struct fbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static uint64_t rng = 88172645463325252ull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* ASCII lines of random lengths (some empty, some CRLF) up to `bytes`. */
static void ascii_lines(struct fbuf *b, size_t bytes)
{
    size_t end = b->n + bytes;
    while (b->n < end) {
        size_t len = next_rand() % 400;
        if (next_rand() % 50 == 0)
            len = 0;
        for (size_t i = 0; i < len; i++) {
            char c = (char)('a' + next_rand() % 26);
            if (next_rand() % 8 == 0)
                c = ' ';
            put(b, &c, 1);
        }
        puts_(b, next_rand() % 10 == 0 ? "\r\n" : "\n");
    }
}

static void long_line(struct fbuf *b, size_t len, const char *inside)
{
    for (size_t i = 0; i < len / 2; i++)
        put(b, "x", 1);
    if (inside)
        puts_(b, inside);
    for (size_t i = 0; i < len / 2; i++)
        put(b, "y", 1);
    puts_(b, "\n");
}

static void write_fbuf(const char *path, const struct fbuf *b)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->p, b->n), (ssize_t)b->n);
    close(fd);
}

static struct source *open_as(const char *path, bool deferred)
{
    struct source *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->path = strdup(path);
    char why[128];
    assert_true(source_open(s, s->path, why, sizeof why));
    s->enc = source_guess_encoding(s->raw, s->raw_size, &s->bom_len);
    assert_true(deferred ? source_decode_deferred(s) : source_decode(s));
    s->notes_before_parse = s->nnotes; /* as the parse starts (core/bundle.c) */
    return s;
}

struct seen {
    uint64_t off, lineno;
    size_t n;
    char *bytes;
};

/* Writes the file, reads it through a textwin, and checks it against the whole-text read:
 * the same text, encoding and notes, and every line the same bytes, number and offset. */
static void check_file(const char *name, const struct fbuf *b, bool expect_window)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    write_fbuf(path, b);

    struct source *whole = open_as(path, false);
    struct source *s = open_as(path, true);
    struct textwin w;
    textwin_begin(&w, s);
    assert_int_equal(w.window, expect_window);
    struct seen *v = NULL;
    size_t n = 0, cap = 0;
    struct span line;
    while (textwin_next(&w, &line)) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = realloc(v, cap * sizeof *v);
            assert_non_null(v);
        }
        /* the offset the parse's events get, and the bytes the loading reads at it */
        uint64_t off = source_offset(s, line.p);
        assert_memory_equal(source_at(s, off, line.n), line.p, line.n);
        v[n] = (struct seen){ off, w.lineno, line.n, malloc(line.n + 1) };
        memcpy(v[n].bytes, line.p, line.n);
        n++;
    }
    assert_true(textwin_end(&w));
    assert_null(source_view.s); /* nothing points into the window once it is given back */
    assert_false(s->utf8_pending);

    assert_int_equal(s->enc, whole->enc);
    assert_int_equal(s->size, whole->size);
    assert_memory_equal(s->text, whole->text, s->size);
    assert_int_equal(s->nnotes, whole->nnotes);
    for (unsigned k = 0; k < s->nnotes; k++)
        assert_string_equal(s->notes[k], whole->notes[k]);

    struct line_iter it;
    line_iter_init(&it, whole->text, whole->size);
    size_t k = 0;
    while (line_iter_next(&it, &line)) {
        assert_true(k < n);
        assert_int_equal(v[k].lineno, it.lineno);
        assert_int_equal(v[k].off, (uint64_t)(line.p - whole->text));
        assert_int_equal(v[k].n, line.n);
        assert_memory_equal(v[k].bytes, line.p, line.n);
        k++;
    }
    assert_int_equal(k, n);
    for (size_t i = 0; i < n; i++)
        free(v[i].bytes);
    free(v);
    source_free(whole);
    source_free(s);
    free(whole);
    free(s);
}

/* ASCII across many windows, a line longer than the window, CRLF, no last line end. */
static void test_lines_offsets_and_numbers_as_whole_text(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    ascii_lines(&b, 700u << 10);
    long_line(&b, TEXTWIN_CAP + 1000, NULL);
    ascii_lines(&b, 900u << 10);
    long_line(&b, TEXTWIN_CAP * 2 + 17, NULL);
    ascii_lines(&b, 600u << 10);
    puts_(&b, "the last line, without its end");
    check_file("ascii.log", &b, true);
    free(b.p);
}

/* Valid UTF-8 first, then stray bytes far into the file: UTF-8, and the note names the line
 * of the first (and counts them all) as the whole-file check does. */
static void test_stray_bytes_in_utf8_noted_with_first_line(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    puts_(&b, "caf\xc3\xa9 first\n");
    ascii_lines(&b, 800u << 10);
    puts_(&b, "stray \xff here\n");
    ascii_lines(&b, 600u << 10);
    long_line(&b, TEXTWIN_CAP + 5, "\xfe");
    puts_(&b, "end\n");
    check_file("stray.log", &b, true);
    free(b.p);
}

/* A stray byte before any multi-byte sequence, one far after: still UTF-8 (the rest was looked
 * at), every stray byte counted. */
static void test_stray_byte_before_any_sequence_then_utf8(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    puts_(&b, "head\nstray \x80 byte\n");
    ascii_lines(&b, 1500u << 10);
    puts_(&b, "\xff again\n");
    puts_(&b, "na\xc3\xafve at the end\n");
    check_file("late-utf8.log", &b, true);
    free(b.p);
}

/* Windows-1252 found out halfway: the text becomes the decoded copy and the lines from there on
 * are read from it, at the offsets the decoded text gives (the lines before were ASCII). */
static void test_windows_1252_found_halfway_is_decoded(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    ascii_lines(&b, 900u << 10);
    puts_(&b, "Gr\xfc\xdf" "e from Z\xfcrich\n");
    ascii_lines(&b, 700u << 10);
    puts_(&b, "\x80 euro sign\r\n");
    ascii_lines(&b, 300u << 10);
    check_file("ansi.log", &b, true);
    free(b.p);
}

/* The same, found in a line longer than the window (read straight from the mapping). */
static void test_windows_1252_found_in_a_long_line(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    ascii_lines(&b, 600u << 10);
    long_line(&b, TEXTWIN_CAP + 300, "d\xe9j\xe0");
    ascii_lines(&b, 600u << 10);
    puts_(&b, "\xe9t\xe9\n");
    check_file("ansi-long.log", &b, true);
    free(b.p);
}

/* A BOM makes it UTF-8 whatever the stray bytes. */
static void test_bom_keeps_utf8_with_stray_bytes(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    puts_(&b, "\xef\xbb\xbfwith a BOM\n");
    ascii_lines(&b, 1200u << 10);
    puts_(&b, "stray \xe9\n");
    ascii_lines(&b, 100u << 10);
    check_file("bom.log", &b, true);
    free(b.p);
}

/* Under TEXTWIN_MIN: read straight from the text, checked whole first. */
static void test_small_file_read_straight(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    ascii_lines(&b, 100u << 10);
    puts_(&b, "\xe9t\xe9\n");
    check_file("small.log", &b, false);
    free(b.p);
}

/* A log cut short while it is read: the window gets fewer bytes than the file had, the rest
 * comes from the mapping (its lost pages read as zeros, core/source.c), nothing crashes, and
 * the source says the file shrank. NUL bytes and a last line without its end included. */
static void test_file_cut_while_read_through_window(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    ascii_lines(&b, 3u << 20);
    put(&b, "nul\0in\0line\n", 13);
    puts_(&b, "no end");
    char path[256];
    snprintf(path, sizeof path, "%s/cut.log", tmpdir);
    write_fbuf(path, &b);
    struct source *s = open_as(path, true);
    source_guard_maps(); /* the test framework sets its own SIGBUS handler: ours again */
    struct textwin w;
    textwin_begin(&w, s);
    assert_true(w.window);
    struct span line;
    uint64_t before = 0;
    while (textwin_next(&w, &line) && source_offset(s, line.p) < (1u << 20))
        before = w.lineno;
    assert_int_equal(truncate(path, (off_t)(1536u << 10)), 0);
    uint64_t zeros = 0;
    while (textwin_next(&w, &line))
        for (size_t i = 0; i < line.n; i++)
            zeros += line.p[i] == 0;
    assert_true(textwin_end(&w));
    assert_true(w.lineno > before);
    assert_true(zeros > (1u << 20)); /* the lost end, read as NUL bytes */
    source_check_changed(s);
    bool said = false;
    for (unsigned k = 0; k < s->nnotes; k++)
        said |= strstr(s->notes[k], "the file shrank while it was read") != NULL;
    assert_true(said);
    source_free(s);
    free(s);
    free(b.p);
}

/* The window's pages and the parse's events: an IIS log read through the W3C parser gives its
 * events the same offsets, lines and times from the window as from the whole text. */
static void test_w3c_events_same_through_window(void **state)
{
    (void)state;
    struct fbuf b = { 0 };
    puts_(&b, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
              "#Date: 2024-05-01 00:00:00\n#Fields: date time s-ip cs-method cs-uri-stem "
              "cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status "
              "sc-substatus sc-win32-status time-taken\n");
    char line[512];
    for (int i = 0; b.n < (3u << 20); i++) {
        if (i == 9000)
            puts_(&b, "#Fields: date time cs-method cs-uri-stem cs-uri-query c-ip sc-status "
                      "time-taken\n");
        if (i >= 9000)
            snprintf(line, sizeof line, "2024-05-01 %02d:%02d:%02d GET /certsrv/mscep/mscep.dll "
                     "operation=GetCACaps&message=%d 10.0.0.%d %d %d\n", i / 3600 % 24,
                     i / 60 % 60, i % 60, i, i % 250, i % 7 ? 200 : 500, i % 97);
        else
            snprintf(line, sizeof line, "2024-05-01 %02d:%02d:%02d 10.1.1.1 GET "
                     "/certsrv/mscep/mscep.dll operation=GetCACert&message=ca%d 443 - "
                     "10.0.0.%d Mozilla/5.0 - %d 0 0 %d\n", i / 3600 % 24, i / 60 % 60, i % 60,
                     i, i % 250, i % 11 ? 200 : 404, i % 89);
        puts_(&b, line);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/iis.log", tmpdir);
    write_fbuf(path, &b);
    free(b.p);

    const struct parser *w3c = parser_by_name("w3c");
    assert_non_null(w3c);
    struct source *ws = open_as(path, true), *ts = open_as(path, false);
    /* the whole text, read without the window: the same text, not a mapped file */
    struct source copy = *ts;
    copy.map = NULL;
    copy.fd_open = false;
    struct evbuf a = { 0 }, c = { 0 };
    ws->parser = copy.parser = w3c;
    assert_true(w3c->parse(ws, &a));
    assert_true(w3c->parse(&copy, &c));
    assert_int_equal(a.n, c.n);
    assert_true(a.n > 10000);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(event_off(&a.v[i]), event_off(&c.v[i]));
        assert_int_equal(a.v[i].len, c.v[i].len);
        assert_int_equal(a.v[i].line, c.v[i].line);
        assert_int_equal(a.v[i].t, c.v[i].t);
        assert_int_equal(a.v[i].level, c.v[i].level);
    }
    /* fields of a line read after the parse come from the mapping, under the later #Fields */
    struct span v;
    assert_true(w3c->field(ws, &a.v[a.n - 1], "time-taken", &v));
    assert_true(w3c->field(&copy, &c.v[c.n - 1], "time-taken", &v));
    struct span u;
    assert_true(w3c->field(ws, &a.v[a.n - 1], "time-taken", &u));
    assert_int_equal(u.n, v.n);
    assert_memory_equal(u.p, v.p, u.n);
    assert_int_equal(ws->lines, copy.lines);
    assert_int_equal(ws->header, copy.header);
    evbuf_free(&a);
    evbuf_free(&c);
    w3c->free_state(&copy);
    source_free(ws);
    source_free(ts);
    free(ws);
    free(ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_offsets_and_numbers_as_whole_text),
        cmocka_unit_test(test_stray_bytes_in_utf8_noted_with_first_line),
        cmocka_unit_test(test_stray_byte_before_any_sequence_then_utf8),
        cmocka_unit_test(test_windows_1252_found_halfway_is_decoded),
        cmocka_unit_test(test_windows_1252_found_in_a_long_line),
        cmocka_unit_test(test_bom_keeps_utf8_with_stray_bytes),
        cmocka_unit_test(test_small_file_read_straight),
        cmocka_unit_test(test_w3c_events_same_through_window),
        cmocka_unit_test(test_file_cut_while_read_through_window),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
