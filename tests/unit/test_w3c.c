/* test_w3c.c - the IIS W3C parser on NDES and CRP server logs: layouts, times, levels, roles,
 * and the hostile cases (huge lines, NUL bytes, bad dates, field-count mismatches). */
#include "testutil.h"

extern const struct parser parser_w3c;

#define P (&parser_w3c)

#define HDR_FIELDS15                                                                          \
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "     \
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"

#define UA_WINHTTP "Mozilla/4.0+(compatible;+Win32;+WinHttp.WinHttpRequest.5)"

static const char ndes_log[] =
    "#Software: Microsoft Internet Information Services 8.5\n"
    "#Version: 1.0\n"
    "#Date: 2016-06-10 02:44:06\n"
    HDR_FIELDS15
    "2016-06-10 02:44:06 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=GetCACert&message=MDM 443 - 10.1.2.30 - - 200 0 0 0\n"
    "2016-06-10 02:44:06 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=GetCACaps&message=MDM 443 - 10.1.2.30 - - 200 0 0 31\n"
    "2016-06-10 02:44:08 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=GetCACaps&message=default 443 - 10.1.2.30 " UA_WINHTTP " - 200 0 0 13\n"
    "2016-06-10 02:44:08 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=GetCACert&message=default 443 - 10.1.2.30 " UA_WINHTTP " - 200 0 0 1\n"
    "2016-06-10 02:44:12 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
    "operation=PKIOperation&message=MIIHCgYJKoZIhvcNAQcCoIIG%2BzCCBvcCAQExCzAJBgUrDgMCGgUA 443 - "
    "10.1.2.30 " UA_WINHTTP " - 200 0 0 502\n";

static const char crp_log[] =
    "#Software: Microsoft Internet Information Services 8.5\n"
    "#Version: 1.0\n"
    "#Date: 2016-06-10 02:40:00\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes time-taken\n"
    "2016-06-10 02:44:12 10.1.2.40 POST /CMCertificateRegistration/Certificate/VerifyRequest - "
    "443 - 10.1.2.20 NDES_Plugin - 201 0 0 437 349\n"
    "2016-06-10 02:44:12 10.1.2.40 POST /CMCertificateRegistration/Certificate/Notify - 443 - "
    "10.1.2.20 NDES_Plugin - 204 0 0 357 102\n";

static bool has_note(const struct tcase *c, const char *needle)
{
    for (unsigned i = 0; i < c->src.nnotes; i++)
        if (strstr(c->src.notes[i], needle))
            return true;
    return false;
}

static void test_ndes_block(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, ndes_log);
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->src.header, 4);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_NDES_IIS);
    assert_int_equal(c->src.zone, ZONE_UTC);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:06.000Z");
    assert_string_equal(t_time(c, 4), "2016-06-10T02:44:12.000Z");
    assert_int_equal(c->ev.v[0].line, 5);
    assert_string_equal(t_field(c, 1, "sc-status"), "200");
    assert_string_equal(t_field(c, 1, "time-taken"), "31");
    assert_string_equal(t_field(c, 1, "cs-uri-query"), "operation=GetCACaps&message=MDM");
    assert_string_equal(t_field(c, 2, "cs(User-Agent)"), UA_WINHTTP);
    assert_string_equal(t_field(c, 4, "time-taken"), "502");
    assert_string_equal(t_field(c, 4, "c-ip"), "10.1.2.30");
    assert_true(strncmp(t_msg(c, 0), "10.1.2.20 GET /certsrv/mscep/mscep.dll", 38) == 0);
    assert_int_equal(c->src.first, c->ev.v[0].t);
    assert_int_equal(c->src.last, c->ev.v[4].t);
    t_free(c);
}

static void test_crp_block(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, crp_log);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_CRP_IIS);
    assert_string_equal(t_field(c, 0, "cs-uri-stem"),
                        "/CMCertificateRegistration/Certificate/VerifyRequest");
    assert_string_equal(t_field(c, 0, "sc-status"), "201");
    assert_string_equal(t_field(c, 0, "sc-bytes"), "437");
    assert_string_equal(t_field(c, 0, "time-taken"), "349");
    assert_string_equal(t_field(c, 1, "sc-status"), "204");
    assert_string_equal(t_field(c, 1, "time-taken"), "102");
    assert_string_equal(t_field(c, 1, "cs(User-Agent)"), "NDES_Plugin");
    assert_int_equal(c->ev.v[0].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[1].level, LEVEL_INFO);
    t_free(c);
}

static void test_crp_svc_path_role(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, HDR_FIELDS15
        "2017-03-01 10:00:00 10.0.0.4 POST /CertificateRegistrationSvc/Certificate/VerifyRequest"
        " - 443 - 10.0.0.3 NDES_Plugin - 403 16 2148204809 453\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.role, ROLE_CRP_IIS);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_field(c, 0, "sc-win32-status"), "2148204809");
    t_free(c);
}

static void test_plain_iis_role(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, HDR_FIELDS15
        "2017-03-01 10:00:00 10.0.0.4 GET /iisstart.htm - 80 - 10.0.0.3 curl/7.1 - 200 0 0 3\n");
    assert_int_equal(c->src.role, ROLE_IIS);
    t_free(c);
}

static void test_mscep_admin_role(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, HDR_FIELDS15
        "2017-03-01 10:00:00 10.0.0.4 GET /CertSrv/MSCEP_ADMIN/ - 443 CONTOSO\\admin 10.0.0.3 "
        "Mozilla/5.0 - 401 2 5 3\n"
        "2017-03-01 10:00:01 10.0.0.4 POST /CMCertificateRegistration/Certificate/Notify - 443 - "
        "10.0.0.3 NDES_Plugin - 204 0 0 3\n");
    assert_int_equal(c->src.role, ROLE_NDES_IIS);
    t_free(c);
}

static void test_fields_change_midfile(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Software: Microsoft Internet Information Services 10.0\n"
        "#Fields: date time cs-method cs-uri-stem sc-status time-taken\n"
        "2020-01-02 03:04:05 GET /certsrv/mscep/mscep.dll 200 15\n"
        "#Software: Microsoft Internet Information Services 10.0\n"
        "#Date: 2020-01-02 04:00:00\n"
        "#Fields: time-taken sc-status cs-uri-stem time date cs-method sc-win32-status\n"
        "77 500 /certsrv/mscep/mscep.dll 04:00:01 2020-01-02 POST 0\n"
        "#Fields: date time cs-method cs-uri-stem sc-status time-taken\n"
        "2020-01-02 05:00:00 GET /x 404 9\n");
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.header, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_field(c, 0, "time-taken"), "15");
    assert_string_equal(t_field(c, 0, "sc-status"), "200");
    assert_null(t_field(c, 0, "sc-win32-status"));
    assert_string_equal(t_field(c, 1, "time-taken"), "77");
    assert_string_equal(t_field(c, 1, "sc-status"), "500");
    assert_string_equal(t_field(c, 1, "cs-method"), "POST");
    assert_string_equal(t_time(c, 1), "2020-01-02T04:00:01.000Z");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    /* date and time are not first: the message is the whole record */
    assert_string_equal(t_msg(c, 1), "77 500 /certsrv/mscep/mscep.dll 04:00:01 2020-01-02 POST 0");
    /* the first layout again: read with it, not with the one before */
    assert_string_equal(t_field(c, 2, "time-taken"), "9");
    assert_string_equal(t_msg(c, 2), "GET /x 404 9");
    assert_int_equal(c->ev.v[2].level, LEVEL_ERROR);
    t_free(c);
}

static void test_field_names_case_insensitive(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: DATE Time cs-URI-stem SC-Status\n"
        "2020-01-02 03:04:05 /certsrv/mscep/mscep.dll 500\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_int_equal(c->src.role, ROLE_NDES_IIS);
    assert_string_equal(t_field(c, 0, "sc-status"), "500");
    assert_string_equal(t_field(c, 0, "Cs-Uri-Stem"), "/certsrv/mscep/mscep.dll");
    t_free(c);
    /* time second but date not first: nothing to cut, the message is the whole record */
    c = t_parse(P, "#Fields: s-ip time date sc-status\n10.0.0.1 03:04:05 2020-01-02 200\n");
    assert_string_equal(t_time(c, 0), "2020-01-02T03:04:05.000Z");
    assert_string_equal(t_msg(c, 0), "10.0.0.1 03:04:05 2020-01-02 200");
    t_free(c);
}

static void test_subset_without_date_uses_date_directive(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Version: 1.0\n"
        "#Date: 2016-06-10 00:00:00\n"
        "#Fields: time cs-uri-stem sc-status\n"
        "02:44:06 /certsrv/mscep/mscep.dll 200\n"
        "#Date: 2016-06-11 00:00:00\n"
        "01:02:03 /certsrv/mscep/mscep.dll 200\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:06.000Z");
    assert_string_equal(t_time(c, 1), "2016-06-11T01:02:03.000Z");
    assert_null(t_field(c, 0, "date"));
    t_free(c);
}

static void test_no_date_anywhere_is_raw(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: time cs-uri-stem sc-status\n"
        "02:44:06 /certsrv/mscep/mscep.dll 200\n");
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 1);
    assert_true(c->ev.v[0].flags & EVF_RAW);
    assert_true(has_note(c, "no date field"));
    t_free(c);
}

static void test_fraction_of_second(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: date time sc-status\n"
        "2016-06-10 02:44:06.1234567 200\n"
        "2016-06-10 02:44:06.5 200\n"
        "2016-06-10 02:44:06.12345678 200\n");
    assert_int_equal(c->ev.n, 3);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:06.123Z");
    assert_string_equal(t_time(c, 1), "2016-06-10T02:44:06.500Z");
    assert_true(c->ev.v[2].flags & EVF_RAW); /* 8 digits: not a W3C time */
    t_free(c);
}

static void test_dash_is_empty(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, ndes_log);
    const char *v = t_field(c, 0, "cs-username");
    assert_non_null(v);
    assert_string_equal(v, "");
    assert_string_equal(t_field(c, 0, "cs(Referer)"), "");
    assert_null(t_field(c, 0, "no-such-field"));
    t_free(c);
}

/* fields() against a plain split of each line, on random lines whose values hold the bytes
 * next to a space in value ('!' is a space plus one, 0xA0 a space with the high bit): every
 * column asked for, some twice, with one cache kept across two #Fields layouts. */
static void test_fields_random_against_split(void **state)
{
    (void)state;
    static const char *const names16[16] = {
        "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13",
        "c14", "c15", "c16",
    };
    static const char alphabet[] = "ab!\"#~\xa0\xc3\xa9-.%+/=&";
    unsigned seed = 12345;
    for (int round = 0; round < 40; round++) {
        char text[65536];
        size_t k = 0;
        int nf[2] = { 3 + round % 14, 16 - round % 7 };
        for (int blk = 0; blk < 2; blk++) {
            k += (size_t)snprintf(text + k, sizeof text - k, "#Fields: date time");
            for (int i = 0; i < nf[blk] - 2; i++)
                k += (size_t)snprintf(text + k, sizeof text - k, " %s", names16[(i + blk * 5) % 16]);
            text[k++] = '\n';
            for (int line = 0; line < 20; line++) {
                k += (size_t)snprintf(text + k, sizeof text - k, "2016-06-10 02:44:%02d", line);
                for (int i = 0; i < nf[blk] - 2; i++) {
                    text[k++] = ' ';
                    seed = seed * 1103515245u + 12345u;
                    int len = 1 + (int)((seed >> 16) % 23);
                    for (int j = 0; j < len; j++) {
                        seed = seed * 1103515245u + 12345u;
                        text[k++] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
                    }
                }
                text[k++] = '\n';
            }
        }
        text[k] = 0;
        struct tcase *c = t_parse_tz(P, text, k, NULL);
        assert_int_equal(c->ev.n, 40);
        struct field_cache fc = { 0 };
        for (size_t e = 0; e < c->ev.n; e++) {
            const struct event *ev = &c->ev.v[e];
            assert_int_equal(ev->flags & EVF_RAW, 0);
            /* the plain split of the line */
            struct span want[20];
            size_t nw = 0;
            const char *p = c->src.text + event_off(ev), *end = p + ev->len, *start = p;
            for (; p <= end; p++) {
                if (p == end || *p == ' ') {
                    want[nw++] = span_make(start, (size_t)(p - start));
                    start = p + 1;
                }
            }
            int blk = e < 20 ? 0 : 1;
            assert_int_equal(nw, (size_t)nf[blk]);
            struct span got[16];
            bool found[16];
            P->fields(&c->src, ev, names16, 16, got, found, &fc);
            for (int n = 0; n < 16; n++) {
                int col = -1;
                for (int i = 0; i < nf[blk] - 2; i++)
                    if ((i + blk * 5) % 16 == n)
                        col = i + 2;
                if (col < 0) {
                    assert_false(found[n]);
                    continue;
                }
                assert_true(found[n]);
                if (want[col].n == 1 && want[col].p[0] == '-') {
                    assert_int_equal(got[n].n, 0); /* W3C's "no value" */
                    continue;
                }
                assert_int_equal(got[n].n, want[col].n);
                assert_memory_equal(got[n].p, want[col].p, want[col].n);
            }
        }
        t_free(c);
    }
}

static void test_levels(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P, HDR_FIELDS15
        "2017-08-08 20:22:16 10.0.0.5 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
        "operation=PKIOperation&message=MIIK 443 - 10.0.0.2 - - 404 15 0 1\n"
        "2017-08-08 20:22:16 10.0.0.5 GET /certsrv/mscep/mscep.dll "
        "operation=GetCACert&message=SCEP%20Authority 443 - 10.5.14.22 "
        "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 500 0 1346 31\n"
        "2017-08-08 20:22:17 10.0.0.5 GET /certsrv/mscep/mscep.dll - 443 - 10.0.0.2 - - "
        "200 0 64 5\n"
        "2017-08-08 20:22:18 10.0.0.5 GET /certsrv/mscep/mscep.dll - 443 - 10.0.0.2 - - "
        "200 0 0 5\n"
        "2017-08-08 20:22:19 10.0.0.5 GET /certsrv/mscep/mscep.dll - 443 - 10.0.0.2 - - "
        "304 0 - 5\n");
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_field(c, 0, "sc-substatus"), "15");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[2].level, LEVEL_WARNING);
    assert_int_equal(c->ev.v[3].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[4].level, LEVEL_INFO);
    t_free(c);
}

static void test_field_count_mismatch_raw(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Software: Microsoft Internet Information Services 8.5\n"
        "#Version: 1.0\n"
        "#Date: 2016-06-10 02:44:06\n"
        HDR_FIELDS15
        "2016-06-10 02:44:06 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
        "operation=GetCACert&message=MDM 443 - 10.1.2.30- - 200 0 0 0\n"
        "2016-06-10 02:44:07 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
        "operation=GetCACert&message=MDM 443 - 10.1.2.30 - - 200 0 0 0\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 1);
    assert_true(c->ev.v[0].flags & EVF_RAW);
    assert_false(c->ev.v[1].flags & EVF_RAW);
    assert_true(has_note(c, "line 5: kept as raw: 14 fields where #Fields (line 4) names 15"));
    /* a raw line keeps its text and takes its neighbour's time */
    assert_true(strncmp(t_msg(c, 0), "2016-06-10 02:44:06 10.1.2.20", 29) == 0);
    assert_true(c->ev.v[0].flags & EVF_TIME_INHERITED);
    assert_null(t_field(c, 0, "sc-status"));
    t_free(c);
}

static void test_trailing_space_field(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: date time cs-uri-stem sc-status\n"
        "2016-06-10 02:44:06 /a 200 \n"
        "2016-06-10 02:44:06 /a 200  \n"
        "2016-06-10 02:44:06 /a 200 x\n");
    assert_int_equal(c->ev.n, 3);
    assert_false(c->ev.v[0].flags & EVF_RAW);
    assert_string_equal(t_field(c, 0, "sc-status"), "200");
    assert_true(c->ev.v[1].flags & EVF_RAW);
    assert_true(c->ev.v[2].flags & EVF_RAW);
    assert_int_equal(c->src.unparsed, 2);
    t_free(c);
}

static void test_headerless_default_layout(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "2017-08-08 20:22:16 10.0.0.5 GET /certsrv/mscep/mscep.dll "
        "operation=GetCACert&message=SCEP%20Authority 443 - 10.5.14.22 "
        "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 500 0 1346 31\n"
        "2017-08-08 20:22:17 10.0.0.5 GET /certsrv/mscep/mscep.dll 443 - 10.5.14.22\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.header, 0);
    assert_string_equal(t_time(c, 0), "2017-08-08T20:22:16.000Z");
    assert_string_equal(t_field(c, 0, "sc-win32-status"), "1346");
    assert_string_equal(t_field(c, 0, "cs(User-Agent)"),
                        "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0");
    assert_int_equal(c->src.role, ROLE_NDES_IIS);
    assert_true(has_note(c, "no #Fields before line 1: read with the IIS default fields"));
    assert_true(c->ev.v[1].flags & EVF_RAW);
    assert_true(has_note(c, "no #Fields and not the IIS default layout"));
    t_free(c);
}

static void test_crlf(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Software: Microsoft Internet Information Services 8.5\r\n"
        "#Fields: date time cs-uri-stem sc-status time-taken\r\n"
        "2016-06-10 02:44:06 /certsrv/mscep/mscep.dll 200 31\r\n"
        "\r\n"
        "2016-06-10 02:44:07 /certsrv/mscep/mscep.dll 200 32\r\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.blank, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_field(c, 0, "time-taken"), "31");
    assert_string_equal(t_msg(c, 1), "/certsrv/mscep/mscep.dll 200 32");
    t_free(c);
}

static void test_last_line_without_newline(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: date time cs-uri-stem sc-status time-taken\n"
        "2016-06-10 02:44:06 /a 200 31\n"
        "2016-06-10 02:44:07 /b 200 32");
    assert_int_equal(c->src.lines, 3);
    assert_int_equal(c->ev.n, 2);
    assert_false(c->ev.v[1].flags & EVF_RAW);
    assert_string_equal(t_field(c, 1, "time-taken"), "32");
    assert_string_equal(t_time(c, 1), "2016-06-10T02:44:07.000Z");
    t_free(c);
}

static void test_blank_lines(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "\n"
        "#Fields: date time cs-uri-stem sc-status\n"
        "   \n"
        "2016-06-10 02:44:06 /a 200\n"
        "\t \r\n"
        "\n");
    assert_int_equal(c->src.lines, 6);
    assert_int_equal(c->src.blank, 4);
    assert_int_equal(c->src.header, 1);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->ev.v[0].line, 4);
    t_free(c);
}

static void test_huge_query(void **state)
{
    (void)state;
    const size_t qn = 1536 * 1024;
    const char *pre = HDR_FIELDS15
        "2016-06-10 02:44:12 10.1.2.20 GET /certsrv/mscep/mscep.dll/pkiclient.exe "
        "operation=PKIOperation&message=";
    const char *post = " 443 - 10.1.2.30 " UA_WINHTTP " - 404 15 0 2\n";
    size_t a = strlen(pre), b = strlen(post);
    char *buf = malloc(a + qn + b);
    assert_non_null(buf);
    memcpy(buf, pre, a);
    for (size_t i = 0; i < qn; i++)
        buf[a + i] = "MIIHCgYJKoZIhvcNAQcCoIIG%2Bz"[i % 28];
    memcpy(buf + a + qn, post, b);
    struct tcase *c = t_parse_tz(P, buf, a + qn + b, NULL);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    struct span q;
    assert_true(P->field(&c->src, &c->ev.v[0], "cs-uri-query", &q));
    assert_int_equal(q.n, qn + strlen("operation=PKIOperation&message="));
    assert_true(span_starts(q, "operation=PKIOperation&message=MIIHCgYJ"));
    assert_string_equal(t_field(c, 0, "time-taken"), "2");
    assert_string_equal(t_field(c, 0, "sc-substatus"), "15");
    t_free(c);
    free(buf);
}

/* A field of any length around the split's 16-byte steps and its jump ahead past a long
 * field: the fields after it, or the long field when it ends the line, come out whole. */
static void test_long_fields_split(void **state)
{
    (void)state;
    for (size_t len = 1; len <= 200; len++) {
        char text[512], want[256];
        memset(want, 'x', len);
        want[len] = 0;
        int n = snprintf(text, sizeof text, "#Fields: date time cs-uri-query sc-status\n"
                         "2016-06-10 02:44:12 %s 404\n", want);
        struct tcase *c = t_parse_tz(P, text, (size_t)n, NULL);
        assert_int_equal(c->ev.n, 1);
        assert_int_equal(c->src.unparsed, 0);
        assert_int_equal(c->ev.v[0].level, LEVEL_ERROR); /* the status, from the split */
        assert_string_equal(t_field(c, 0, "cs-uri-query"), want);
        assert_string_equal(t_field(c, 0, "sc-status"), "404");
        t_free(c);
        n = snprintf(text, sizeof text, "#Fields: date time sc-status cs-uri-query\n"
                     "2016-06-10 02:44:12 404 %s\n", want);
        c = t_parse_tz(P, text, (size_t)n, NULL);
        assert_int_equal(c->ev.n, 1);
        assert_int_equal(c->src.unparsed, 0);
        assert_string_equal(t_field(c, 0, "cs-uri-query"), want);
        t_free(c);
    }
}

static void test_nul_bytes(void **state)
{
    (void)state;
    static const char text[] =
        "#Fields: date time cs-uri-stem cs-uri-query sc-status\n"
        "2016-06-10 02:44:06 /a op=\0x 200\n"
        "2016-06-10 02:44:07 /b\0 - 500\n"
        "\0\0\0\n";
    struct tcase *c = t_parse_tz(P, text, sizeof text - 1, NULL);
    assert_int_equal(c->ev.n, 3);
    struct span q;
    assert_true(P->field(&c->src, &c->ev.v[0], "cs-uri-query", &q));
    assert_int_equal(q.n, 5);
    assert_memory_equal(q.p, "op=\0x", 5);
    assert_string_equal(t_field(c, 0, "sc-status"), "200");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_true(P->field(&c->src, &c->ev.v[1], "cs-uri-stem", &q));
    assert_int_equal(q.n, 3);
    assert_true(c->ev.v[2].flags & EVF_RAW);
    t_free(c);
}

static void test_bad_dates(void **state)
{
    (void)state;
    struct tcase *c = t_parse(P,
        "#Fields: date time cs-uri-stem sc-status\n"
        "2016-13-40 02:44:06 /a 200\n"
        "2016-02-30 02:44:06 /a 200\n"
        "2016-06-10 25:00:00 /a 200\n"
        "16-06-10 02:44:06 /a 200\n"
        "2016-02-29 02:44:06 /a 200\n");
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->src.unparsed, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(c->ev.v[i].flags & EVF_RAW);
    assert_false(c->ev.v[4].flags & EVF_RAW);
    assert_string_equal(t_time(c, 4), "2016-02-29T02:44:06.000Z");
    assert_true(has_note(c, "bad date '2016-13-40'"));
    assert_true(has_note(c, "bad date '2016-02-30'"));
    assert_true(has_note(c, "bad time '25:00:00'"));
    t_free(c);
}

static void test_unusable_fields_lines(void **state)
{
    (void)state;
    /* 200 field names: beyond the cap, so the lines under it are raw and noted once */
    size_t cap = 8192;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t k = (size_t)snprintf(buf, cap, "#Fields: date time");
    for (int i = 0; i < 198; i++)
        k += (size_t)snprintf(buf + k, cap - k, " f%d", i);
    k += (size_t)snprintf(buf + k, cap - k, "\n2016-06-10 02:44:06 x\n#Fields:\n"
                                            "2016-06-10 02:44:06 x\n"
                                            "#Fields: date time f\n2016-06-10 02:44:06 x\n");
    struct tcase *c = t_parse_tz(P, buf, k, NULL);
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.unparsed, 2);
    assert_true(has_note(c, "more than 128"));
    assert_true(has_note(c, "#Fields (line 3) names no fields"));
    assert_string_equal(t_field(c, 2, "f"), "x");
    t_free(c);
    free(buf);
}

static void test_layout_cap(void **state)
{
    (void)state;
    /* 300 different layouts: the first 256 are kept, the rest read as raw */
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t k = 0;
    for (int i = 0; i < 300; i++)
        k += (size_t)snprintf(buf + k, cap - k,
                              "#Fields: date time x%d\n2016-06-10 02:44:06 v%d\n", i, i);
    struct tcase *c = t_parse_tz(P, buf, k, NULL);
    assert_int_equal(c->ev.n, 300);
    /* layout 0 is the IIS default, so 255 #Fields layouts fit */
    assert_int_equal(c->src.unparsed, 300 - 255);
    assert_string_equal(t_field(c, 0, "x0"), "v0");
    assert_string_equal(t_field(c, 254, "x254"), "v254");
    assert_true(c->ev.v[255].flags & EVF_RAW);
    assert_true(has_note(c, "more than 256 different #Fields"));
    t_free(c);
    free(buf);
}

static void test_many_fields_in_line(void **state)
{
    (void)state;
    /* a line of 100000 fields under a 4-field layout: counted, kept raw, nothing overruns */
    size_t n = 100000;
    const char *hdr = "#Fields: date time a b\n2016-06-10 02:44:06";
    size_t a = strlen(hdr);
    char *buf = malloc(a + 2 * n + 1);
    assert_non_null(buf);
    memcpy(buf, hdr, a);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + a + 2 * i, " z", 2);
    buf[a + 2 * n] = '\n';
    struct tcase *c = t_parse_tz(P, buf, a + 2 * n + 1, NULL);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 1);
    assert_true(has_note(c, "100002 fields where #Fields (line 1) names 4"));
    t_free(c);
    free(buf);
}

static void test_garbage_survives(void **state)
{
    (void)state;
    unsigned char buf[4096];
    uint32_t x = 12345;
    for (int round = 0; round < 50; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x = x * 1103515245u + 12345u;
            unsigned char ch = (unsigned char)(x >> 16);
            /* plenty of separators and directive starts so every path is walked */
            buf[i] = (ch % 7 == 0) ? ' ' : (ch % 11 == 0) ? '\n' : (ch % 13 == 0) ? '#' : ch;
        }
        struct tcase *c = t_parse_tz(P, (const char *)buf, sizeof buf, NULL);
        for (size_t i = 0; i < c->ev.n; i++) {
            struct span f;
            (void)P->field(&c->src, &c->ev.v[i], "time", &f);
            if (!(c->ev.v[i].flags & EVF_RAW))
                (void)t_msg(c, i);
        }
        assert_int_equal(P->sniff((const char *)buf, sizeof buf), 0);
        t_free(c);
    }
}

static void test_sniff_scores(void **state)
{
    (void)state;
    assert_int_equal(P->sniff(ndes_log, strlen(ndes_log)), 100);
    const char *fields_only = HDR_FIELDS15
        "2016-06-10 02:44:06 10.1.2.20 GET /a - 443 - 10.1.2.30 - - 200 0 0 0\n";
    assert_int_equal(P->sniff(fields_only, strlen(fields_only)), 95);
    const char *version = "#Version: 1.0\n#Date: 2016-06-10 02:44:06\n";
    assert_int_equal(P->sniff(version, strlen(version)), 90);
    const char *version_alone = "#Version: 1.0\nsome words\n";
    assert_int_equal(P->sniff(version_alone, strlen(version_alone)), 0);
    const char *cmtrace =
        "<![LOG[Initializing NDES Plugin]LOG]!><time=\"02:44:12.123+420\" date=\"06-10-2016\" "
        "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"4\" file=\"ndesplugin.cpp:98\">\n";
    assert_int_equal(P->sniff(cmtrace, strlen(cmtrace)), 0);
    const char *prose = "Check the IIS Log on the NDES Server to make sure each of the Requests\n"
                        "made it to NDES. There are a few known issues with this.\n";
    assert_int_equal(P->sniff(prose, strlen(prose)), 0);
    const char *headerless =
        "2017-08-08 20:22:16 10.0.0.5 GET /certsrv/mscep/mscep.dll "
        "operation=GetCACert&message=SCEP%20Authority 443 - 10.5.14.22 "
        "profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 500 0 1346 31\n"
        "2016-06-10 02:44:12 10.1.2.40 POST /CMCertificateRegistration/Certificate/Notify - 443 - "
        "10.1.2.20 NDES_Plugin - 204 0 0 357 102\n";
    assert_int_equal(P->sniff(headerless, strlen(headerless)), 60);
    const char *dated_prose = "2017-08-08 20:22:16 the server rebooted and GET failed\n";
    assert_int_equal(P->sniff(dated_prose, strlen(dated_prose)), 0);
    /* the right shape but no HTTP method among the tokens: some other dated table */
    const char *no_method = "2017-08-08 20:22:16 a b c d e f g h i j k l m\n";
    assert_int_equal(P->sniff(no_method, strlen(no_method)), 0);
    static const char binary[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    assert_int_equal(P->sniff(binary, sizeof binary - 1), 0);
    assert_int_equal(P->sniff("", 0), 0);
    /* a head cut inside a long line still counts the IIS lines before it */
    size_t first = (size_t)(strchr(headerless, '\n') - headerless) + 1;
    assert_int_equal(P->sniff(headerless, first + 60), 60);
}

static void test_tz_given(void **state)
{
    (void)state;
    struct tcase *c = t_parse_tz(P, ndes_log, strlen(ndes_log), "+10:00");
    assert_int_equal(c->ev.n, 5);
    assert_string_equal(t_time(c, 0), "2016-06-09T16:44:06.000Z");
    assert_int_equal(c->src.zone, ZONE_GIVEN);
    t_free(c);
}

static void test_empty_text(void **state)
{
    (void)state;
    struct tcase *c = t_parse_tz(P, "", 0, NULL);
    assert_int_equal(c->ev.n, 0);
    assert_int_equal(c->src.lines, 0);
    assert_int_equal(c->src.role, ROLE_IIS);
    t_free(c);
}

/* The numbers of a line (sc-status, time-taken...) are read whole or not at all: up to the
 * largest 64-bit value, digits only. */
static void test_numbers_read_exactly(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_true(span_to_u64(span_cstr("0"), &v) && v == 0);
    assert_true(span_to_u64(span_cstr("15"), &v) && v == 15);
    assert_true(span_to_u64(span_cstr("9999999999999999999"), &v) && v == 9999999999999999999u);
    assert_true(span_to_u64(span_cstr("00000000000000000001"), &v) && v == 1);
    assert_true(span_to_u64(span_cstr("18446744073709551615"), &v) && v == UINT64_MAX);
    v = 7;
    assert_false(span_to_u64(span_cstr("18446744073709551616"), &v));
    assert_false(span_to_u64(span_cstr("99999999999999999999"), &v));
    assert_false(span_to_u64(span_cstr("100000000000000000000"), &v));
    assert_false(span_to_u64(span_cstr(""), &v));
    assert_false(span_to_u64(span_cstr("-"), &v));
    assert_false(span_to_u64(span_cstr("12a"), &v));
    assert_false(span_to_u64(span_cstr("1844674407370955161x"), &v));
    assert_int_equal(v, 7); /* a failed read leaves it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_read_exactly),
        cmocka_unit_test(test_ndes_block),
        cmocka_unit_test(test_crp_block),
        cmocka_unit_test(test_crp_svc_path_role),
        cmocka_unit_test(test_plain_iis_role),
        cmocka_unit_test(test_mscep_admin_role),
        cmocka_unit_test(test_fields_change_midfile),
        cmocka_unit_test(test_field_names_case_insensitive),
        cmocka_unit_test(test_subset_without_date_uses_date_directive),
        cmocka_unit_test(test_no_date_anywhere_is_raw),
        cmocka_unit_test(test_fraction_of_second),
        cmocka_unit_test(test_dash_is_empty),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_field_count_mismatch_raw),
        cmocka_unit_test(test_trailing_space_field),
        cmocka_unit_test(test_headerless_default_layout),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_last_line_without_newline),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_huge_query),
        cmocka_unit_test(test_long_fields_split),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_bad_dates),
        cmocka_unit_test(test_unusable_fields_lines),
        cmocka_unit_test(test_layout_cap),
        cmocka_unit_test(test_many_fields_in_line),
        cmocka_unit_test(test_garbage_survives),
        cmocka_unit_test(test_sniff_scores),
        cmocka_unit_test(test_tz_given),
        cmocka_unit_test(test_empty_text),
        cmocka_unit_test(test_fields_random_against_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
