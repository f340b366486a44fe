/* test_cmtrace.c - unit tests of the ConfigMgr log parsers: modern CMTrace entries (seed
 * NDESPlugin.log and CRP.log lines, biases, multi-line and hostile input) and the legacy $$< form. */

#include "testutil.h"

extern const struct parser parser_cmtrace;
extern const struct parser parser_cmtrace_legacy;

static const char seed_ndes[] =
    "<![LOG[Calling VerifyRequest ...]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"ndesplugin.cpp:646\">\n"
    "<![LOG[Sending request to certificate registration point.]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"httprequest.cpp:114\">\n"
    "<![LOG[Verify challenge returns true]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"ndesplugin.cpp:834\">\n"
    "<![LOG[Exiting VerifyRequest with 0x0]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"ndesplugin.cpp:874\">\n"
    "<![LOG[Calling Notifyrequest ...]LOG]!><time=\"02:44:12.270+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"3088\" file=\"ndesplugin.cpp:904\">\n"
    "<![LOG[Sending request to certificate registration point.]LOG]!><time=\"02:44:12.270+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"3088\" file=\"httprequest.cpp:114\">\n"
    "<![LOG[Exiting Notify with 0x0]LOG]!><time=\"02:44:12.410+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"3088\" file=\"ndesplugin.cpp:1167\">\n";

static const char seed_crp[] =
    "<![LOG[Reading Template Permission Check from registry.]LOG]!><time=\"02:44:11.8513964\" date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"238\" file=\"\">\n"
    "<![LOG[Validation Phase 1 started.]LOG]!><time=\"02:44:11.8513964\" date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"238\" file=\"\">\n"
    "<![LOG[Validation Phase 1 finised with status True.]LOG]!><time=\"02:44:12.0814310\" date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"238\" file=\"\">\n"
    "<![LOG[Validation Phase 2 started for device and user .]LOG]!><time=\"02:44:12.0814310\" date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"238\" file=\"\">\n"
    "<![LOG[Validation Phase 2 finished.]LOG]!><time=\"02:44:12.0824068\" date=\"6-10-2016\" component=\"CertificateRegistrationPoint\" context=\"\" type=\"1\" thread=\"238\" file=\"\">\n";

/* One modern entry with the given message, time, date and type. */
#define ENTRY(msg, tm, dt, ty)                                                                 \
    "<![LOG[" msg "]LOG]!><time=\"" tm "\" date=\"" dt "\" component=\"Comp\" context=\"\" "   \
    "type=\"" ty "\" thread=\"7\" file=\"x.cpp:1\">"

static const char sms_line[] =
    "---->: An event has occurred, the event code is: 0x1  $$<SMS_SITE_SYSTEM_STATUS_SUMMARIZER>"
    "<12-06-2016 03:11:46.039+300><thread=4840 (0x12E8)>";

static const char iis_log[] =
    "#Software: Microsoft Internet Information Services 10.0\n"
    "#Version: 1.0\n"
    "#Date: 2016-06-10 02:44:06\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
    "2016-06-10 02:44:06 10.0.0.5 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=GetCACert&message=MDM 443 - 10.0.0.9 - - 200 0 0 0\n";

static const char english[] =
    "The device contacts NDES and supplies the certificate request and challenge response.\n"
    "Check the CRP log on the SCCM server to make sure the validation occurred.\n";

/* A growable text for the large and hostile inputs. */
struct tbuf {
    char *p;
    size_t n, cap;
};

static void tb_add(struct tbuf *b, const char *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void tb_str(struct tbuf *b, const char *s)
{
    tb_add(b, s, strlen(s));
}

static bool note_has(const struct tcase *c, const char *text)
{
    for (unsigned i = 0; i < c->src.nnotes; i++)
        if (strstr(c->src.notes[i], text))
            return true;
    return false;
}

/* ---- modern CMTrace ------------------------------------------------------------------- */

static void test_seed_ndesplugin(void **state)
{
    (void)state;
    static const char *const times[7] = {
        "2016-06-10T02:44:11.789Z", "2016-06-10T02:44:11.789Z", "2016-06-10T02:44:12.200Z",
        "2016-06-10T02:44:12.200Z", "2016-06-10T02:44:12.270Z", "2016-06-10T02:44:12.270Z",
        "2016-06-10T02:44:12.410Z",
    };
    struct tcase *c = t_parse(&parser_cmtrace, seed_ndes);
    assert_int_equal(c->ev.n, 7);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_NDESPLUGIN);
    assert_int_equal(c->src.zone, ZONE_BIAS);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(t_time(c, i), times[i]);
        assert_int_equal(c->ev.v[i].level, LEVEL_INFO);
        assert_int_equal(c->ev.v[i].line, i + 1);
        assert_string_equal(t_field(c, i, "component"), "NDESPlugin");
    }
    assert_string_equal(t_msg(c, 0), "Calling VerifyRequest ...");
    assert_string_equal(t_msg(c, 6), "Exiting Notify with 0x0");
    assert_string_equal(t_field(c, 0, "thread"), "2900");
    assert_string_equal(t_field(c, 4, "thread"), "3088");
    assert_string_equal(t_field(c, 0, "file"), "ndesplugin.cpp:646");
    assert_string_equal(t_field(c, 0, "context"), "");
    assert_string_equal(t_field(c, 0, "type"), "1");
    assert_string_equal(t_field(c, 0, "time"), "02:44:11.789+00");
    assert_string_equal(t_field(c, 0, "date"), "06-10-2016");
    assert_null(t_field(c, 0, "status"));
    /* the record is the whole line, without its newline */
    assert_int_equal(event_off(&c->ev.v[0]), 0);
    assert_int_equal(c->ev.v[0].len, strchr(seed_ndes, '\n') - seed_ndes);
    t_free(c);
}

static void test_seed_crp(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace, seed_crp);
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_CRP);
    assert_int_equal(c->src.zone, ZONE_ASSUMED_UTC);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:11.851Z");
    assert_int_equal(c->ev.v[0].t % US_PER_SEC, 851396); /* 7 digits kept to the microsecond */
    assert_string_equal(t_time(c, 2), "2016-06-10T02:44:12.081Z");
    assert_string_equal(t_field(c, 0, "date"), "6-10-2016");
    assert_string_equal(t_field(c, 0, "time"), "02:44:11.8513964");
    assert_string_equal(t_field(c, 0, "file"), "");
    assert_string_equal(t_field(c, 0, "thread"), "238");
    assert_string_equal(t_msg(c, 1), "Validation Phase 1 started.");
    t_free(c);
}

static void test_bias_values(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
        int32_t bias;
    } cases[] = {
        { ENTRY("a", "01:00:00.000+480", "03-15-2021", "1"), "2021-03-15T09:00:00.000Z", 480 },
        { ENTRY("a", "01:00:00.000-60", "03-15-2021", "1"), "2021-03-15T00:00:00.000Z", -60 },
        { ENTRY("a", "01:38:47.034-120", "07-16-2016", "1"), "2016-07-15T23:38:47.034Z", -120 },
        { ENTRY("a", "01:00:00.000+00", "03-15-2021", "1"), "2021-03-15T01:00:00.000Z", 0 },
        { ENTRY("a", "01:00:00.000+000", "3-5-2021", "1"), "2021-03-05T01:00:00.000Z", 0 },
        { ENTRY("a", "23:30:00.5+60", "12-31-2020", "1"), "2021-01-01T00:30:00.500Z", 60 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tcase *c = t_parse(&parser_cmtrace, cases[i].text);
        assert_int_equal(c->ev.n, 1);
        assert_int_equal(c->ev.v[0].flags & EVF_RAW, 0);
        assert_string_equal(t_time(c, 0), cases[i].want);
        assert_int_equal(c->src.zone, ZONE_BIAS);
        assert_int_equal(c->src.bias_min_seen, cases[i].bias);
        assert_int_equal(c->src.role, ROLE_CONFIGMGR);
        t_free(c);
    }
}

static void test_tz_overrides_bias(void **state)
{
    (void)state;
    const char *text = ENTRY("a", "12:00:00.000+480", "06-10-2016", "1") "\n";
    struct tcase *c = t_parse_tz(&parser_cmtrace, text, strlen(text), "+10:00");
    assert_string_equal(t_time(c, 0), "2016-06-10T02:00:00.000Z");
    assert_int_equal(c->src.zone, ZONE_GIVEN);
    t_free(c);
}

static void test_mixed_zone(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("a", "01:00:00.000+60", "06-10-2016", "1") "\n"
                              ENTRY("b", "01:00:00.0000000", "06-10-2016", "1") "\n");
    assert_int_equal(c->src.zone, ZONE_MIXED);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:00:00.000Z");
    assert_string_equal(t_time(c, 1), "2016-06-10T01:00:00.000Z");
    t_free(c);
}

static void test_type_levels(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("zero", "01:00:00.000+0", "1-1-2020", "0") "\n"
                              ENTRY("one", "01:00:00.000+0", "1-1-2020", "1") "\n"
                              ENTRY("two", "01:00:00.000+0", "1-1-2020", "2") "\n"
                              ENTRY("three", "01:00:00.000+0", "1-1-2020", "3") "\n"
                              ENTRY("nine", "01:00:00.000+0", "1-1-2020", "9") "\n"
                              "<![LOG[none]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\">\n");
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->ev.v[0].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[1].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[2].level, LEVEL_WARNING);
    assert_int_equal(c->ev.v[3].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[4].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[5].level, LEVEL_INFO);
    assert_null(t_field(c, 5, "component"));
    assert_null(t_field(c, 5, "type"));
    assert_string_equal(t_msg(c, 3), "three");
    t_free(c);
}

/* Attributes are found by name in any order, not inside another attribute's value. */
static void test_attribute_order(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "<![LOG[m]LOG]!><context=\"time=\" thread=\"5\" type=\"3\" "
                              "date=\"11-02-2019\" component=\"NDESPlugin\" file=\"\" "
                              "time=\"10:20:30.400-60\">\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2019-11-02T09:20:30.400Z");
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_field(c, 0, "context"), "time=");
    assert_string_equal(t_field(c, 0, "component"), "NDESPlugin");
    t_free(c);
}

/* The trailer is read once for all its attributes, with the same rules: a name counts where
 * a space, a tab or '<' stands before it (not inside "datetime"), the first such place wins
 * even inside another's value, and a value without its closing quote is none. */
static void test_attribute_edges(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "<![LOG[m]LOG]!><datetime=\"1\" time=\"10:20:30.400-60\"\t"
                              "date=\"11-02-2019\" context=\"a type=\"3\" type=\"1\" thread=\"7\" "
                              "component=\"NDES\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2019-11-02T09:20:30.400Z");
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR); /* the type inside context's value */
    assert_string_equal(t_field(c, 0, "thread"), "7");
    assert_null(t_field(c, 0, "component"));
    t_free(c);
    /* without the time's closing quote there is no time, whatever follows */
    c = t_parse(&parser_cmtrace, "<![LOG[m]LOG]!><date=\"11-02-2019\" time=\"10:20:30.400-60>\n");
    assert_int_equal(c->src.unparsed, 1);
    t_free(c);
}

/* A record's fields are kept for the next question about the same record: two files whose
 * records stand at the same place with the same length still answer each for its own. */
static void test_fields_of_two_files_apart(void **state)
{
    (void)state;
    struct tcase *a = t_parse(&parser_cmtrace,
                              "<![LOG[m]LOG]!><time=\"10:20:30.400-60\" date=\"11-02-2019\" "
                              "component=\"AAAA\" thread=\"1\">\n");
    struct tcase *b = t_parse(&parser_cmtrace,
                              "<![LOG[n]LOG]!><time=\"10:20:30.400-60\" date=\"11-02-2019\" "
                              "component=\"BBBB\" thread=\"2\">\n");
    assert_string_equal(t_field(a, 0, "component"), "AAAA");
    assert_string_equal(t_field(b, 0, "component"), "BBBB");
    assert_string_equal(t_msg(b, 0), "n");
    assert_string_equal(t_field(a, 0, "thread"), "1");
    assert_string_equal(t_msg(a, 0), "m");
    t_free(a);
    t_free(b);
}

static void test_multiline_message(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "<![LOG[first line\n"
                              "second line\n"
                              "third]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" "
                              "component=\"NDESPlugin\" context=\"\" type=\"3\" thread=\"1\" "
                              "file=\"\">\n" ENTRY("next", "02:44:12.000+00", "06-10-2016", "1")
                              "\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.continuation, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_msg(c, 0), "first line\nsecond line\nthird");
    assert_int_equal(c->ev.v[0].line, 1);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:11.789Z");
    /* the record runs to the end of its last line */
    const char *rec = c->src.text + event_off(&c->ev.v[0]);
    assert_int_equal(rec[c->ev.v[0].len - 1], '>');
    assert_int_equal(rec[c->ev.v[0].len], '\n');
    assert_int_equal(c->ev.v[1].line, 4);
    assert_string_equal(t_msg(c, 1), "next");
    t_free(c);
}

static void test_multiline_blank_line_inside(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "\n"
                              "<![LOG[Exception:\n"
                              "\n"
                              "   at Foo()]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" "
                              "type=\"2\">\n"
                              "\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.blank, 2);
    assert_int_equal(c->src.continuation, 2);
    assert_int_equal(c->ev.v[0].line, 2);
    assert_int_equal(c->ev.v[0].level, LEVEL_WARNING);
    assert_string_equal(t_msg(c, 0), "Exception:\n\n   at Foo()");
    t_free(c);
}

static void test_unclosed_then_valid(void **state)
{
    (void)state;
    struct tbuf b = { 0 };
    tb_str(&b, "<![LOG[cut short by a crash\n");
    tb_str(&b, seed_ndes);
    struct tcase *c = t_parse_tz(&parser_cmtrace, b.p, b.n, NULL);
    free(b.p);
    assert_int_equal(c->ev.n, 8);
    assert_int_equal(c->src.unparsed, 1);
    assert_true(c->ev.v[0].flags & EVF_RAW);
    assert_string_equal(t_msg(c, 0), "<![LOG[cut short by a crash");
    assert_true(note_has(c, "never closed before line 2"));
    assert_int_equal(c->ev.v[1].flags & EVF_RAW, 0);
    assert_int_equal(c->ev.v[1].line, 2);
    assert_string_equal(t_msg(c, 1), "Calling VerifyRequest ...");
    assert_string_equal(t_time(c, 7), "2016-06-10T02:44:12.410Z");
    /* the raw line takes the time of its neighbour */
    assert_true(c->ev.v[0].flags & EVF_TIME_INHERITED);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:11.789Z");
    t_free(c);
}

static void test_unclosed_at_end(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("ok", "01:00:00.000+0", "1-1-2020", "1") "\n"
                              "<![LOG[truncated\n"
                              "more text");
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.unparsed, 2);
    assert_true(note_has(c, "line 2: kept as raw: <![LOG[ entry never closed"));
    assert_true(note_has(c, "line 3: kept as raw: line outside"));
    t_free(c);
}

/* 50000 unclosed entries full of near misses of the close tag: each becomes one raw line and
 * the entry after them still parses (how long it takes is for the benchmarks to say). */
static void test_unclosed_many_linear(void **state)
{
    (void)state;
    struct tbuf b = { 0 };
    for (int i = 0; i < 50000; i++)
        tb_str(&b, "  <![LOG[unclosed ]LOG]! ]]]] near misses of the close tag\n");
    tb_str(&b, ENTRY("closes at last", "01:00:00.000+0", "1-1-2020", "1") "\n");
    struct tcase *c = t_parse_tz(&parser_cmtrace, b.p, b.n, NULL);
    assert_int_equal(c->ev.n, 50001);
    assert_int_equal(c->src.unparsed, 50000);
    assert_string_equal(t_msg(c, 50000), "closes at last");
    t_free(c);

    /* the same, with the only close tag at the very end of a file of open tags and text */
    b.n = 0;
    for (int i = 0; i < 50000; i++)
        tb_str(&b, i % 2 ? "plain ]LOG]!] text ]]]\n" : "<![LOG[open\n");
    tb_str(&b, "]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\">");
    c = t_parse_tz(&parser_cmtrace, b.p, b.n, NULL);
    assert_int_equal(c->ev.n, 49999);
    assert_int_equal(c->src.unparsed, 49998);
    assert_int_equal(c->src.continuation, 2);
    assert_int_equal(c->ev.v[49998].line, 49999);
    assert_string_equal(t_msg(c, 49998), "open\nplain ]LOG]!] text ]]]\n");
    t_free(c);
    free(b.p);
}

/* An entry whose close is too far away is not swallowed whole: its lines stay visible. */
static void test_entry_line_cap(void **state)
{
    (void)state;
    struct tbuf b = { 0 };
    tb_str(&b, "<![LOG[start\n");
    for (int i = 0; i < 100000; i++)
        tb_str(&b, "x\n");
    tb_str(&b, "]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\">\n");
    struct tcase *c = t_parse_tz(&parser_cmtrace, b.p, b.n, NULL);
    assert_int_equal(c->ev.n, 100002);
    assert_int_equal(c->src.unparsed, 100002);
    assert_true(note_has(c, "line 1: kept as raw: <![LOG[ entry not closed within 100000"));
    t_free(c);
    free(b.p);
}

static void test_bad_time_raw(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("bad", "25:61:00.000+00", "06-10-2016", "1") "\n"
                              ENTRY("bad date", "01:00:00.000+00", "13-40-2016", "1") "\n"
                              ENTRY("bias too long", "01:00:00.000+12345", "06-10-2016", "1") "\n"
                              "<![LOG[two\nlines]LOG]!><time=\"x\" date=\"1-1-2020\">\n"
                              "<![LOG[no time]LOG]!><date=\"1-1-2020\">\n"
                              "<![LOG[cut]LOG]!><time=\"02:44\n"
                              ENTRY("good", "01:00:00.000+00", "06-10-2016", "1") "\n");
    assert_int_equal(c->ev.n, 8);
    assert_int_equal(c->src.unparsed, 7);
    assert_true(note_has(c, "line 1: kept as raw: bad time '25:61:00.000+00'"));
    assert_true(note_has(c, "line 2: kept as raw: bad date '13-40-2016'"));
    assert_true(note_has(c, "line 3: kept as raw: bad time '01:00:00.000+12345'"));
    assert_true(note_has(c, "line 4: kept as raw: bad time 'x'"));
    assert_true(note_has(c, "line 5: kept as raw: inside the unreadable entry of line 4"));
    assert_true(note_has(c, "line 6: kept as raw: entry without a time"));
    assert_true(note_has(c, "line 7: kept as raw: entry without a time"));
    assert_int_equal(c->ev.v[7].flags & EVF_RAW, 0);
    assert_int_equal(c->ev.v[7].line, 8);
    t_free(c);
}

static void test_garbage_between_entries(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("a", "01:00:00.000+0", "1-1-2020", "1") "\n"
                              "*** garbage ***\n"
                              "   \t \n"
                              "\x01\x02\xff\xfe binary\n"
                              "]LOG]!> stray close\n"
                              ENTRY("b", "01:00:01.000+0", "1-1-2020", "1") "\n");
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->src.blank, 1);
    assert_int_equal(c->src.unparsed, 3);
    assert_true(c->ev.v[1].flags & EVF_RAW);
    assert_string_equal(t_msg(c, 1), "*** garbage ***");
    assert_true(note_has(c, "line 2: kept as raw: line outside any <![LOG[ entry"));
    assert_true(note_has(c, "line 5: kept as raw"));
    assert_string_equal(t_msg(c, 4), "b");
    assert_int_equal(c->ev.v[4].line, 6);
    t_free(c);
}

static void test_crlf(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "<![LOG[one\r\n"
                              "two]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                              "file=\"a.cpp:1\">\r\n"
                              "\r\n" ENTRY("three", "01:00:01.000+0", "1-1-2020", "2") "\r\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.blank, 1);
    assert_string_equal(t_msg(c, 0), "one\r\ntwo");
    assert_string_equal(t_field(c, 0, "file"), "a.cpp:1");
    const char *rec = c->src.text + event_off(&c->ev.v[1]);
    assert_int_equal(rec[c->ev.v[1].len - 1], '>'); /* the CR is not part of the record */
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    assert_int_equal(c->ev.v[1].line, 4);
    t_free(c);
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              ENTRY("a", "01:00:00.000+0", "1-1-2020", "1") "\n"
                              ENTRY("last", "01:00:02.000+0", "1-1-2020", "3"));
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_msg(c, 1), "last");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_int_equal(event_off(&c->ev.v[1]) + c->ev.v[1].len, c->src.size);
    t_free(c);
}

static void test_nul_bytes_in_message(void **state)
{
    (void)state;
    static const char text[] = "<![LOG[a\0b\0]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                               "thread=\"4\">\n\0\0\n";
    struct tcase *c = t_parse_tz(&parser_cmtrace, text, sizeof text - 1, NULL);
    assert_int_equal(c->ev.n, 2);
    struct span m = parser_cmtrace.message(&c->src, &c->ev.v[0]);
    assert_int_equal(m.n, 4);
    assert_memory_equal(m.p, "a\0b\0", 4);
    assert_string_equal(t_field(c, 0, "thread"), "4");
    assert_true(c->ev.v[1].flags & EVF_RAW); /* a line of NULs is not blank */
    t_free(c);
}

static void test_huge_message(void **state)
{
    (void)state;
    size_t big = 1536 * 1024;
    struct tbuf b = { 0 };
    tb_str(&b, "<![LOG[");
    for (size_t i = 0; i < big; i++)
        tb_add(&b, &"0123456789abcdef"[i % 16], 1);
    tb_str(&b, "]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" type=\"3\">\n");
    tb_str(&b, ENTRY("after", "01:00:01.000+0", "1-1-2020", "1"));
    struct tcase *c = t_parse_tz(&parser_cmtrace, b.p, b.n, NULL);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(parser_cmtrace.message(&c->src, &c->ev.v[0]).n, big);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_msg(c, 1), "after");
    t_free(c);
    free(b.p);
}

static void test_role_vote(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace,
                              "<![LOG[a]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                              "component=\"ndesplugin\">\n"
                              "<![LOG[b]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                              "component=\"ccmsetup\">\n"
                              "<![LOG[c]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                              "component=\"NDESPLUGIN\">\n");
    assert_int_equal(c->src.role, ROLE_NDESPLUGIN);
    t_free(c);
    c = t_parse(&parser_cmtrace,
                "<![LOG[a]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                "component=\"CertificateRegistrationPoint\">\n"
                "<![LOG[b]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                "component=\"ccmsetup\">\n"
                "<![LOG[c]LOG]!><time=\"01:00:00.000+0\" date=\"1-1-2020\" "
                "component=\"ccmexec\">\n");
    assert_int_equal(c->src.role, ROLE_CONFIGMGR);
    t_free(c);
}

static void test_real_configmgr_lines(void **state)
{
    (void)state;
    /* from real-excerpts/cmtrace_format_real_configmgr_lines_bias_01.log, trailing space kept */
    struct tcase *c = t_parse(
        &parser_cmtrace,
        "<![LOG[LoadState return code: 0]LOG]!><time=\"21:05:56.124+480\" date=\"02-19-2011\" "
        "component=\"InstallSoftware\" context=\"\" type=\"1\" thread=\"2776\" "
        "file=\"runcommandline.cpp:34\">\n"
        "<![LOG[Generated Warning message]LOG]!><time=\"16:31:58.194-120\" date=\"09-21-2016\" "
        "component=\"Main\" context=\"\" type=\"2\" thread=\"1\" file=\"c:\\users\\kim\\Program."
        "cs:15\"> \n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2011-02-20T05:05:56.124Z");
    assert_string_equal(t_time(c, 1), "2016-09-21T14:31:58.194Z");
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    assert_string_equal(t_field(c, 1, "file"), "c:\\users\\kim\\Program.cs:15");
    assert_int_equal(c->src.role, ROLE_CONFIGMGR);
    t_free(c);
}

static void test_empty_and_blank_input(void **state)
{
    (void)state;
    struct tcase *c = t_parse_tz(&parser_cmtrace, "", 0, NULL);
    assert_int_equal(c->ev.n, 0);
    assert_int_equal(c->src.role, ROLE_CONFIGMGR);
    t_free(c);
    c = t_parse(&parser_cmtrace, "\n \n\t\r\n");
    assert_int_equal(c->ev.n, 0);
    assert_int_equal(c->src.blank, 3);
    t_free(c);
    c = t_parse(&parser_cmtrace, "<![LOG[");
    assert_int_equal(c->src.unparsed, 1);
    t_free(c);
}

/* ---- legacy $$< form ------------------------------------------------------------------ */

static void test_legacy_sms_line(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace_legacy, sms_line);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2016-12-06T08:11:46.039Z");
    assert_int_equal(c->src.zone, ZONE_BIAS);
    assert_string_equal(t_msg(c, 0), "---->: An event has occurred, the event code is: 0x1");
    assert_string_equal(t_field(c, 0, "component"), "SMS_SITE_SYSTEM_STATUS_SUMMARIZER");
    assert_string_equal(t_field(c, 0, "thread"), "4840");
    assert_string_equal(t_field(c, 0, "date"), "12-06-2016");
    assert_string_equal(t_field(c, 0, "time"), "03:11:46.039+300");
    assert_null(t_field(c, 0, "type"));
    assert_int_equal(c->ev.v[0].level, LEVEL_INFO);
    assert_int_equal(c->src.role, ROLE_CONFIGMGR);
    t_free(c);
}

static void test_legacy_two_line_record(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace_legacy,
                              "\n"
                              "Policy request started\n"
                              "  for site ABC  $$<NDESPlugin><6-1-2020 10:00:00.5><thread=12>\n"
                              "next $$<NDESPlugin><06-01-2020 10:00:01.250-60><thread=12 (0xC)>\r\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.blank, 1);
    assert_int_equal(c->src.continuation, 1);
    assert_int_equal(c->ev.v[0].line, 2);
    assert_string_equal(t_msg(c, 0), "Policy request started\n  for site ABC");
    assert_string_equal(t_time(c, 0), "2020-06-01T10:00:00.500Z");
    assert_string_equal(t_field(c, 0, "thread"), "12");
    assert_int_equal(c->src.zone, ZONE_MIXED);
    assert_int_equal(c->ev.v[1].line, 4);
    assert_string_equal(t_time(c, 1), "2020-06-01T09:00:01.250Z");
    assert_string_equal(t_msg(c, 1), "next");
    assert_int_equal(c->src.role, ROLE_NDESPLUGIN);
    t_free(c);
}

static void test_legacy_level_heuristic(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace_legacy,
                              "Something FAILED $$<C><01-02-2020 03:04:05.000+0><thread=1>\n"
                              "an Error here $$<C><01-02-2020 03:04:05.000+0><thread=1>\n"
                              "WARNING - Delete $$<C><01-02-2020 03:04:05.000+0><thread=1>\n"
                              "all is well $$<C><01-02-2020 03:04:05.000+0><thread=1>\n"
                              "WARNING - Delete zero length file failed, Win32 = 2 $$<C><01-02-2020 03:04:05.000+0><thread=1>\n");
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[2].level, LEVEL_WARNING);
    assert_int_equal(c->ev.v[3].level, LEVEL_INFO);
    /* a warning about a failure is a warning, as CMTrace shows it */
    assert_int_equal(c->ev.v[4].level, LEVEL_WARNING);
    t_free(c);
}

static void test_legacy_unterminated_tail(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace_legacy,
                              "done $$<C><01-02-2020 03:04:05.000+0><thread=1>\n"
                              "half written\n"
                              "\n"
                              "record");
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.unparsed, 2);
    assert_int_equal(c->src.blank, 1);
    assert_true(c->ev.v[1].flags & EVF_RAW);
    assert_string_equal(t_msg(c, 1), "half written");
    assert_int_equal(c->ev.v[2].line, 4);
    assert_true(note_has(c, "line 2: kept as raw: no $$< trailer before the end of the file"));
    t_free(c);
}

static void test_legacy_bad_trailer(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_cmtrace_legacy,
                              "pending text\n"
                              "bad $$<C><13-45-2020 03:04:05.000+0><thread=1>\n"
                              "bad $$<C><01-02-2020 03:04:05.000+0><thread=x>\n"
                              "ok $$<C><01-02-2020 03:04:05.000+0><thread=1>\n");
    assert_int_equal(c->ev.n, 4);
    assert_int_equal(c->src.unparsed, 3);
    assert_true(note_has(c, "line 1: kept as raw: record whose trailer on line 2"));
    assert_true(note_has(c, "line 2: kept as raw: bad date '13-45-2020'"));
    assert_true(note_has(c, "line 3: kept as raw: unreadable $$<"));
    assert_string_equal(t_msg(c, 3), "ok");
    t_free(c);
}

/* The real excerpt: one modern-era line, then SMS 2.0 and 1.x variants that stay raw. */
static void test_legacy_real_excerpt_variants(void **state)
{
    (void)state;
    struct tcase *c = t_parse(
        &parser_cmtrace_legacy,
        "---->: An event has occurred, the event code is: 0x1  $$<SMS_SITE_SYSTEM_STATUS_"
        "SUMMARIZER><12-06-2016 03:11:46.039+300><thread=4840 (0x12E8)>\n"
        "---- older SMS 2.0 variant (KB text) ----\n"
        "  WARNING - Delete zero length file V4TY4GF3.sid failed, Win32 = 2\n"
        "  $$<SMS_SOFTWARE_INVENTORY_PROCESSOR>\n"
        "  <Fri Sep 03 12:23:46.229 1999 Central Daylight Time>\n"
        "  <thread=250 (0xFA)>\n"
        "---- SMS 1.x variant (KB text) ----\n"
        "        ~Waiting for ready instruction file....\n"
        "        $$<SMS_DESPOOLER><Wed May 21 17:09:02 1997~><thread=DB>\n");
    assert_int_equal(c->ev.n, 9);
    assert_int_equal(c->src.unparsed, 8);
    assert_int_equal(c->ev.v[0].flags & EVF_RAW, 0);
    for (size_t i = 1; i < 9; i++)
        assert_true(c->ev.v[i].flags & EVF_RAW);
    t_free(c);
}

static void test_legacy_pending_cap(void **state)
{
    (void)state;
    struct tbuf b = { 0 };
    for (int i = 0; i < 1500; i++)
        tb_str(&b, "line without trailer\n");
    tb_str(&b, "end $$<C><01-02-2020 03:04:05.000+0><thread=1>\n");
    struct tcase *c = t_parse_tz(&parser_cmtrace_legacy, b.p, b.n, NULL);
    /* the first 1000 give up; the last 500 join the record that ends them */
    assert_int_equal(c->src.unparsed, 1000);
    assert_int_equal(c->ev.n, 1001);
    assert_int_equal(c->ev.v[1000].line, 1001);
    assert_int_equal(c->src.continuation, 500);
    assert_true(note_has(c, "line 1: kept as raw: no $$< trailer within 1000 lines"));
    t_free(c);
    free(b.p);
}

/* ---- sniffing ------------------------------------------------------------------------- */

static void test_sniff_scores(void **state)
{
    (void)state;
    assert_int_equal(parser_cmtrace.sniff(seed_ndes, strlen(seed_ndes)), 100);
    assert_int_equal(parser_cmtrace.sniff(seed_crp, strlen(seed_crp)), 100);
    const char *only_open = "  <![LOG[something odd\n";
    assert_int_equal(parser_cmtrace.sniff(only_open, strlen(only_open)), 70);
    assert_int_equal(parser_cmtrace_legacy.sniff(sms_line, strlen(sms_line)), 90);
    assert_int_equal(parser_cmtrace.sniff(sms_line, strlen(sms_line)), 0);
    assert_int_equal(parser_cmtrace_legacy.sniff(seed_ndes, strlen(seed_ndes)), 0);
    assert_int_equal(parser_cmtrace.sniff(iis_log, strlen(iis_log)), 0);
    assert_int_equal(parser_cmtrace_legacy.sniff(iis_log, strlen(iis_log)), 0);
    assert_int_equal(parser_cmtrace.sniff(english, strlen(english)), 0);
    assert_int_equal(parser_cmtrace_legacy.sniff(english, strlen(english)), 0);
    assert_int_equal(parser_cmtrace.sniff("", 0), 0);
    assert_int_equal(parser_cmtrace_legacy.sniff("", 0), 0);
    /* a head cut in the middle of the open tag */
    assert_int_equal(parser_cmtrace.sniff(seed_ndes, 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_ndesplugin),
        cmocka_unit_test(test_seed_crp),
        cmocka_unit_test(test_bias_values),
        cmocka_unit_test(test_tz_overrides_bias),
        cmocka_unit_test(test_mixed_zone),
        cmocka_unit_test(test_type_levels),
        cmocka_unit_test(test_attribute_order),
        cmocka_unit_test(test_attribute_edges),
        cmocka_unit_test(test_fields_of_two_files_apart),
        cmocka_unit_test(test_multiline_message),
        cmocka_unit_test(test_multiline_blank_line_inside),
        cmocka_unit_test(test_unclosed_then_valid),
        cmocka_unit_test(test_unclosed_at_end),
        cmocka_unit_test(test_unclosed_many_linear),
        cmocka_unit_test(test_entry_line_cap),
        cmocka_unit_test(test_bad_time_raw),
        cmocka_unit_test(test_garbage_between_entries),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_nul_bytes_in_message),
        cmocka_unit_test(test_huge_message),
        cmocka_unit_test(test_role_vote),
        cmocka_unit_test(test_real_configmgr_lines),
        cmocka_unit_test(test_empty_and_blank_input),
        cmocka_unit_test(test_legacy_sms_line),
        cmocka_unit_test(test_legacy_two_line_record),
        cmocka_unit_test(test_legacy_level_heuristic),
        cmocka_unit_test(test_legacy_unterminated_tail),
        cmocka_unit_test(test_legacy_bad_trailer),
        cmocka_unit_test(test_legacy_real_excerpt_variants),
        cmocka_unit_test(test_legacy_pending_cap),
        cmocka_unit_test(test_sniff_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
