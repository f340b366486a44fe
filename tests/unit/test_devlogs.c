/* test_devlogs.c - unit tests of the devices' own logs: the Android OMADM log and the Apple
 * device log (Console copy, log show, iOS syslog) on the real excerpts' lines and on hostile
 * input (cut lines, huge lines, NUL bytes, missing fields, UTF-16, continuation lines, lines
 * without a date), and the choice of a date for lines that carry none. */
#include "testutil.h"
#include "datefit.h"

extern const struct parser parser_omadm;
extern const struct parser parser_applelog;
extern const struct parser parser_w3c;
extern const struct parser parser_cmtrace;

/* shared/formats/real-excerpts/android_omadm_success_scep_enroll_install_01.log */
static const char omadm_enroll[] =
    "2018-02-27T05:16:08.2500000    VERB    Event     com.microsoft.omadm.platforms.android.certmgr.CertificateEnrollmentManager    18327       10    There are 1 requests\n"
    "2018-02-27T05:16:08.2500000    VERB    Event     com.microsoft.omadm.platforms.android.certmgr.CertificateEnrollmentManager    18327       10    Trying to enroll certificate request: ModelName=AC_51\xe2\x80\xa6%2FLogicalName_39907\xe2\x80\xa6;Hash=1677525787\n"
    "2018-02-27T05:16:20.6150000    VERB    Event     org.jscep.transport.UrlConnectionGetTransport    18327       10    Sending GetCACert(ca) to https://<server>-contoso.msappproxy.net/certsrv/mscep/mscep.dll?operation=GetCACert&message=ca\n"
    "2018-02-27T05:16:20.6530000    VERB    Event     org.jscep.transport.UrlConnectionGetTransport    18327       10    Received '200 OK' when sending GetCACert(ca) to https://<server>-contoso.msappproxy.net/certsrv/mscep/mscep.dll?operation=GetCACert&message=ca\n"
    "2018-02-27T05:16:28.0340000    VERB    Event     org.jscep.transaction.EnrollmentTransaction    18327       10    Response: org.jscep.message.CertRep@3150777b[failInfo=<null>,pkiStatus=SUCCESS,recipientNonce=Nonce [GUID],messageData=org.spongycastle.cms.CMSSignedData@27cc8998,messageType=CERT_REP,senderNonce=Nonce [GUID],transId=TRANSID]\n"
    "2018-02-27T05:20:15.3520000    INFO    Event     com.microsoft.omadm.platforms.android.certmgr.state.NativeScepCertInstallStateMachine    18327       21    SCEP cert 'ModelName=AC_51\xe2\x80\xa6%2FLogicalName_39907\xe2\x80\xa6;Hash=1677525787' state changed from CERT_ACCESS_REQUESTED to CERT_ACCESS_GRANTED\n";

/* shared/formats/real-excerpts/ios_console_success_scep_profile_installed_01.log (its last
 * two lines, with their RTF-export artefacts) */
static const char console_installed[] =
    "Debug 18:30:53.691033 -0500 profiled Performing synchronous URL request: https://<server>-contoso.msappproxy.net/certsrv/mscep/mscep.dll?operation=GetCACert&message=SCEP%20Authority\\  \n"
    "Debug 18:30:57.285730 -0500 profiled Adding dependent Microsoft.Profiles.MDM to parent www.windowsintune.com.SCEP.ModelName=AC_51bad41f.../LogicalName_1892fe4c...;Hash=-912418295 in domain ManagedProfileToManagingProfile to system\\ \n"
    "Default 18:30:57.320616 -0500 profiled Profile \\'93www.windowsintune.com.SCEP.ModelName=AC_51bad41f.../LogicalName_1892fe4c...;Hash=-912418295\\'94 installed.\\ \n";

/* shared/formats/real-excerpts/ios_console_fail_ra_response_invalid_01.log */
static const char ios_syslog_ra[] =
    "Desc   : The Registration Authority...s response is invalid.\n"
    "May 23 14:15:36 -iPhone profiled[150] <Error>:  SecTrustEvaluate  [leaf AnchorTrusted]\n"
    "May 23 14:15:42 -iPhone profiled[150] <Notice>: (Error) MC: Cannot retrieve SCEP identity: NSError:\n"
    "Desc   : The Registration Authority...s response is invalid\n";

static bool note_has(const struct tcase *c, const char *text)
{
    for (unsigned i = 0; i < c->src.nnotes; i++)
        if (strstr(c->src.notes[i], text))
            return true;
    return false;
}

/* The same as t_parse_tz, with the date that lines without one are read from (n 0: the text
 * is a C string). */
static struct tcase *t_parse_dated(const struct parser *p, const char *text, size_t n,
                                   int64_t date_ref)
{
    return t_parse_with(p, text, n ? n : strlen(text), NULL, date_ref);
}

/* A source made from raw bytes as the loader makes one (encoding guessed, decoded), parsed. */
static struct tcase *t_parse_bytes(const struct parser *p, const unsigned char *raw, size_t n)
{
    struct tcase *c = calloc(1, sizeof *c);
    assert_non_null(c);
    unsigned char *copy = malloc(n);
    assert_non_null(copy);
    memcpy(copy, raw, n);
    c->src.raw_heap = copy;
    c->src.raw = copy;
    c->src.raw_size = n;
    c->src.path = strdup("test.log");
    c->src.first = c->src.last = TIME_NONE;
    c->src.enc = source_guess_encoding(c->src.raw, n, &c->src.bom_len);
    char head[4096];
    size_t hn = source_decode_head(&c->src, head, sizeof head);
    assert_true(p->sniff(head, hn) > 0);
    assert_true(source_decode(&c->src));
    c->src.parser = p;
    assert_true(p->parse(&c->src, &c->ev));
    parse_inherit_times(&c->ev, 0);
    assert_int_equal(c->src.lines,
                     c->src.events + c->src.continuation + c->src.header + c->src.blank);
    return c;
}

static void t_free_bytes(struct tcase *c)
{
    free(c->src.raw_heap);
    c->src.raw_heap = NULL;
    t_free(c);
}

static const int64_t DAY_20160622 = INT64_C(1466553600) * US_PER_SEC; /* 2016-06-22 00:00Z */

/* ---- OMADM -------------------------------------------------------------------------------- */

static void test_omadm_excerpt(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_omadm, omadm_enroll);
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_ANDROID_LOG);
    assert_int_equal(c->src.zone, ZONE_ASSUMED_UTC);
    assert_string_equal(t_time(c, 0), "2018-02-27T05:16:08.250Z");
    assert_string_equal(t_time(c, 5), "2018-02-27T05:20:15.352Z");
    assert_string_equal(t_field(c, 0, "level"), "VERB");
    assert_string_equal(t_field(c, 0, "kind"), "Event");
    assert_string_equal(t_field(c, 0, "component"),
                        "com.microsoft.omadm.platforms.android.certmgr.CertificateEnrollmentManager");
    assert_string_equal(t_field(c, 0, "pid"), "18327");
    assert_string_equal(t_field(c, 5, "tid"), "21");
    assert_string_equal(t_field(c, 0, "time"), "2018-02-27T05:16:08.2500000");
    assert_null(t_field(c, 0, "thread"));
    assert_string_equal(t_msg(c, 0), "There are 1 requests");
    /* the ellipsis of the excerpt is kept as written */
    assert_string_equal(t_msg(c, 1), "Trying to enroll certificate request: "
                                     "ModelName=AC_51\xe2\x80\xa6%2FLogicalName_39907\xe2\x80\xa6;"
                                     "Hash=1677525787");
    assert_non_null(strstr(t_msg(c, 4), "pkiStatus=SUCCESS"));
    for (size_t i = 0; i < c->ev.n; i++)
        assert_int_equal(c->ev.v[i].level, LEVEL_INFO);
    t_free(c);
}

static void test_omadm_levels_and_variants(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_omadm,
        /* the Wi-Fi troubleshooting article's lines: no "Event" column */
        "2019-08-01T19:22:46.8240000    INFO    com.microsoft.omadm.utils.CertificateSelector    15118    04142    Selected ca certificate with alias: 'user:205xxxxx.0'\n"
        "2019-08-01T19:22:47.0000000\tWARN\tcom.x.Y\t1\t2\ttabs between the fields\n"
        "2019-08-01T19:22:48.0000000 ERROR com.x.Y 1 2 an error\n"
        "2019-08-01T19:22:49.0000000 E com.x.Y 1 2 a one-letter level\n"
        "2019-08-01T19:22:50.0000000Z INFO com.x.Y 1 2 a time in UTC\n"
        "2019-08-01T19:22:51.0000000+02:00 INFO com.x.Y 1 2 a time two hours east\n");
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_null(t_field(c, 0, "kind"));
    assert_string_equal(t_field(c, 0, "component"), "com.microsoft.omadm.utils.CertificateSelector");
    assert_string_equal(t_field(c, 0, "tid"), "04142");
    assert_string_equal(t_msg(c, 0), "Selected ca certificate with alias: 'user:205xxxxx.0'");
    assert_string_equal(t_msg(c, 1), "tabs between the fields");
    assert_int_equal(c->ev.v[0].level, LEVEL_INFO);
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    assert_int_equal(c->ev.v[2].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[3].level, LEVEL_ERROR);
    assert_string_equal(t_time(c, 4), "2019-08-01T19:22:50.000Z");
    assert_string_equal(t_time(c, 5), "2019-08-01T17:22:51.000Z");
    assert_int_equal(c->src.zone, ZONE_MIXED);
    t_free(c);
}

static void test_omadm_missing_fields(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_omadm,
        "2018-02-27T05:16:08.2500000    There are 1 requests\n"       /* no level, no class */
        "2018-02-27T05:16:09.2500000    VERB    Found 3 certificates\n" /* no class, no ids */
        "2018-02-27T05:16:10.2500000    VERB    com.x.Y    message without ids\n"
        "2018-02-27T05:16:11.2500000    VERB    com.x.Y    77    message with a pid only\n"
        "2018-02-27T05:16:12.2500000\n"                              /* the time alone */
        "2018-02-27T05:16:13.2500000    VERB    Tag    12    34    a class without dots\n");
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_null(t_field(c, 0, "level"));
    assert_null(t_field(c, 0, "component"));
    assert_string_equal(t_msg(c, 0), "There are 1 requests");
    assert_null(t_field(c, 1, "component"));
    assert_null(t_field(c, 1, "pid"));
    assert_string_equal(t_msg(c, 1), "Found 3 certificates");
    assert_string_equal(t_field(c, 2, "component"), "com.x.Y");
    assert_null(t_field(c, 2, "pid"));
    assert_string_equal(t_msg(c, 2), "message without ids");
    assert_string_equal(t_field(c, 3, "pid"), "77");
    assert_null(t_field(c, 3, "tid"));
    assert_string_equal(t_msg(c, 3), "message with a pid only");
    assert_string_equal(t_msg(c, 4), "");
    assert_string_equal(t_field(c, 5, "component"), "Tag");
    assert_string_equal(t_msg(c, 5), "a class without dots");
    t_free(c);
}

static void test_omadm_continuation(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_omadm,
        "2018-02-27T05:16:20.6150000 ERROR org.jscep.transport.UrlConnectionGetTransport 18327 10 Exception sending GetCACert\n"
        "java.io.IOException: the certificate is not trusted\n"
        "\tat org.jscep.transport.UrlConnectionGetTransport.sendRequest(UrlConnectionGetTransport.java:82)\n"
        "\n"
        "\tat org.jscep.client.Client.getCaCertificate(Client.java:300)\n"
        "\n"
        "\n"
        "2018-02-27T05:16:21.0000000 INFO com.x.Y 1 2 next\n"
        "\n");
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.continuation, 4); /* the blank line between trace lines too */
    assert_int_equal(c->src.blank, 3);
    assert_int_equal(c->ev.v[1].line, 8);
    const char *m = t_msg(c, 0);
    assert_non_null(strstr(m, "Exception sending GetCACert\njava.io.IOException"));
    assert_non_null(strstr(m, "(Client.java:300)"));
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    t_free(c);
}

static void test_omadm_hostile(void **state)
{
    (void)state;
    /* lines before any entry, a line with a time and no date, a date that does not exist with
     * its trace, a line cut inside its time, NUL bytes */
    static const char text[] =
        "--------- beginning of main\n"
        "05:16:08.2500000 VERB com.x.Y 1 2 a time without a date\n"
        "2018-02-30T05:16:08.2500000 VERB com.x.Y 1 2 no such day\n"
        "\tat its trace\n"
        "2018-02-27T05:16:08.2500000 VERB com.x.Y 1 2 a good one\n"
        "2018-02-27T05:1\n"
        "2018-02-27T25:16:08.2500000 VERB com.x.Y 1 2 hour 25\n"
        "2018-02-27T05:16:09.2500000 VERB com.x.Y 1 2 nul\0inside\n"
        "2018-02-27T05:16:10.25abc VERB com.x.Y 1 2 junk after the fraction";
    struct tcase *c = t_parse_tz(&parser_omadm, text, sizeof text - 1, NULL);
    assert_int_equal(c->ev.n, 9);
    assert_int_equal(c->src.unparsed, 7);
    assert_true(c->ev.v[0].flags & EVF_RAW);
    assert_true(note_has(c, "line 1: kept as raw: line before the first OMADM log entry"));
    assert_true(c->ev.v[1].flags & EVF_RAW); /* still before the first entry */
    assert_true(note_has(c, "line 3: kept as raw: bad time '2018-02-30T05:16:08.2500000': no such day"));
    assert_true(note_has(c, "line 4: kept as raw: continues an unreadable entry (the entry of line 3)"));
    assert_false(c->ev.v[4].flags & EVF_RAW);
    assert_string_equal(t_msg(c, 4), "a good one");
    assert_true(c->ev.v[5].flags & EVF_RAW);
    assert_true(note_has(c, "line 6: kept as raw: bad time '2018-02-27T05:1'"));
    assert_true(note_has(c, "hour past 23"));
    /* the NUL stays in the message; the line is read */
    assert_false(c->ev.v[7].flags & EVF_RAW);
    struct span m = parser_omadm.message(&c->src, &c->ev.v[7]);
    assert_int_equal(m.n, 10);
    assert_memory_equal(m.p, "nul\0inside", 10);
    /* a time with junk after its fraction, on a last line without a line end */
    assert_true(c->ev.v[8].flags & EVF_RAW);
    t_free(c);
}

static void test_omadm_huge_line(void **state)
{
    (void)state;
    size_t big = 3u << 20;
    const char *head = "2018-02-27T05:16:08.2500000 VERB com.x.Y 1 2 ";
    size_t hn = strlen(head);
    char *text = malloc(hn + big + 64);
    assert_non_null(text);
    memcpy(text, head, hn);
    memset(text + hn, 'A', big);
    strcpy(text + hn + big, "\n2018-02-27T05:16:09.0000000 INFO com.x.Y 1 2 after\n");
    struct tcase *c = t_parse_tz(&parser_omadm, text, strlen(text), NULL);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(parser_omadm.message(&c->src, &c->ev.v[0]).n, big);
    assert_string_equal(t_msg(c, 1), "after");
    t_free(c);
    free(text);
}

static void test_omadm_utf16(void **state)
{
    (void)state;
    /* the excerpt's first two lines as UTF-16LE with a BOM, and without one */
    size_t n = 0;
    unsigned char buf[4096];
    buf[n++] = 0xFF;
    buf[n++] = 0xFE;
    const char *t = omadm_enroll;
    size_t upto = (size_t)(strchr(strchr(t, '\n') + 1, '\n') + 1 - t);
    for (size_t i = 0; i < upto; i++) {
        unsigned char ch = (unsigned char)t[i];
        if (ch >= 0x80) { /* the ellipsis, U+2026, is 3 UTF-8 bytes: one UTF-16 unit */
            buf[n++] = 0x26;
            buf[n++] = 0x20;
            i += 2;
            continue;
        }
        buf[n++] = ch;
        buf[n++] = 0;
    }
    for (int bom = 1; bom >= 0; bom--) {
        struct tcase *c = t_parse_bytes(&parser_omadm, buf + (bom ? 0 : 2), n - (bom ? 0 : 2));
        assert_int_equal(c->src.enc, ENC_UTF16LE);
        assert_int_equal(c->ev.n, 2);
        assert_int_equal(c->src.unparsed, 0);
        assert_string_equal(t_msg(c, 1), "Trying to enroll certificate request: "
                                         "ModelName=AC_51\xe2\x80\xa6%2FLogicalName_39907\xe2\x80\xa6;"
                                         "Hash=1677525787");
        t_free_bytes(c);
    }
}

static void test_omadm_sniff(void **state)
{
    (void)state;
    assert_int_equal(parser_omadm.sniff(omadm_enroll, strlen(omadm_enroll)), 100);
    const char *generic = "2019-08-01T19:22:47.0000000 WARN com.x.Y 1 2 a\n"
                          "2019-08-01T19:22:48.0000000 INFO com.x.Y 1 2 b\n";
    assert_int_equal(parser_omadm.sniff(generic, strlen(generic)), 90);
    const char *iis = "#Fields: date time s-ip\n2016-06-10 02:44:06 10.0.0.5 GET / - 443\n";
    assert_int_equal(parser_omadm.sniff(iis, strlen(iis)), 0);
    assert_int_equal(parser_omadm.sniff(console_installed, strlen(console_installed)), 0);
    /* and the other formats do not take it */
    assert_int_equal(parser_w3c.sniff(omadm_enroll, strlen(omadm_enroll)), 0);
    assert_int_equal(parser_cmtrace.sniff(omadm_enroll, strlen(omadm_enroll)), 0);
    assert_int_equal(parser_applelog.sniff(omadm_enroll, strlen(omadm_enroll)), 0);
}

/* ---- Apple -------------------------------------------------------------------------------- */

static void test_console_copy_rtf_artefacts(void **state)
{
    (void)state;
    struct tcase *c = t_parse_dated(&parser_applelog, console_installed,
                                    strlen(console_installed), DAY_20160622);
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_APPLE_LOG);
    assert_int_equal(c->src.zone, ZONE_OFFSET);
    assert_int_equal(c->src.bias_min_seen, 300);
    assert_int_equal(c->src.date_missing, DATE_NO_DAY);
    /* 18:30:53.691033 at -0500 on the day given */
    assert_string_equal(t_time(c, 0), "2016-06-22T23:30:53.691Z");
    assert_int_equal(c->ev.v[0].t % US_PER_SEC, 691033);
    assert_string_equal(t_field(c, 0, "type"), "Debug");
    assert_string_equal(t_field(c, 2, "type"), "Default");
    assert_string_equal(t_field(c, 0, "process"), "profiled");
    assert_string_equal(t_field(c, 0, "time"), "18:30:53.691033 -0500");
    assert_null(t_field(c, 0, "pid"));
    /* the trailing backslash (an RTF line break) goes, \'93 and \'94 are the quotes */
    assert_string_equal(t_msg(c, 0), "Performing synchronous URL request: https://<server>-contoso"
                                     ".msappproxy.net/certsrv/mscep/mscep.dll?operation=GetCACert"
                                     "&message=SCEP%20Authority");
    assert_string_equal(t_msg(c, 2), "Profile \xe2\x80\x9cwww.windowsintune.com.SCEP.ModelName="
                                     "AC_51bad41f.../LogicalName_1892fe4c...;Hash=-912418295"
                                     "\xe2\x80\x9d installed.");
    assert_int_equal(c->ev.v[2].level, LEVEL_INFO);
    t_free(c);
}

static void test_console_copy_days_and_tabs(void **state)
{
    (void)state;
    /* the Console's own copy is tab-separated (a process name may hold spaces); midnight
     * passes between the second and the third line; a date may be written */
    struct tcase *c = t_parse_dated(&parser_applelog,
        "default\t23:59:58.000001 -0400\tCompany Portal\tChecking in\n"
        "error\t23:59:59.500000 -0400\tprofiled\tMC: Cannot retrieve SCEP identity: NSError:\n"
        "Desc   : The SCEP server returned an invalid response.\n"
        "Code   : 4001\n"
        "fault\t00:00:01.000000 -0400\tprofiled\tafter midnight\n"
        "Info 2016-06-25 10:00:00.000000 -0400 profiled a dated one\n",
        0, DAY_20160622);
    assert_int_equal(c->ev.n, 4);
    assert_int_equal(c->src.continuation, 2);
    assert_string_equal(t_field(c, 0, "process"), "Company Portal");
    assert_string_equal(t_msg(c, 0), "Checking in");
    assert_string_equal(t_time(c, 0), "2016-06-23T03:59:58.000Z");
    assert_string_equal(t_time(c, 2), "2016-06-23T04:00:01.000Z"); /* the next day */
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[2].level, LEVEL_ERROR);
    assert_string_equal(t_msg(c, 1), "MC: Cannot retrieve SCEP identity: NSError:\n"
                                     "Desc   : The SCEP server returned an invalid response.\n"
                                     "Code   : 4001");
    assert_string_equal(t_time(c, 3), "2016-06-25T14:00:00.000Z");
    assert_string_equal(t_field(c, 3, "date"), "2016-06-25");
    t_free(c);
}

static void test_ios_syslog_excerpt(void **state)
{
    (void)state;
    struct tcase *c = t_parse_dated(&parser_applelog, ios_syslog_ra, strlen(ios_syslog_ra),
                                    DAY_20160622);
    assert_int_equal(c->ev.n, 3);
    assert_int_equal(c->src.unparsed, 1); /* the first line ends an entry the excerpt cut */
    assert_true(c->ev.v[0].flags & EVF_RAW);
    assert_true(note_has(c, "line 1: kept as raw: line before the first Apple log entry"));
    assert_int_equal(c->src.continuation, 1);
    assert_int_equal(c->src.date_missing, DATE_NO_YEAR);
    assert_int_equal(c->src.zone, ZONE_ASSUMED_UTC);
    assert_string_equal(t_time(c, 1), "2016-05-23T14:15:36.000Z");
    assert_string_equal(t_field(c, 1, "host"), "-iPhone");
    assert_string_equal(t_field(c, 1, "process"), "profiled");
    assert_string_equal(t_field(c, 1, "pid"), "150");
    assert_string_equal(t_field(c, 1, "type"), "Error");
    assert_string_equal(t_field(c, 1, "date"), "May 23");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_string_equal(t_msg(c, 1), "SecTrustEvaluate  [leaf AnchorTrusted]");
    /* a Notice whose message says (Error) is an error */
    assert_string_equal(t_field(c, 2, "type"), "Notice");
    assert_int_equal(c->ev.v[2].level, LEVEL_ERROR);
    assert_string_equal(t_msg(c, 2), "(Error) MC: Cannot retrieve SCEP identity: NSError:\n"
                                     "Desc   : The Registration Authority...s response is invalid");
    t_free(c);
    /* December, then January: the next year */
    c = t_parse_dated(&parser_applelog,
                      "Dec 31 23:59:59 iPad mdmd[88] <Notice>: last of the year\n"
                      "Jan  1 00:00:02 iPad mdmd[88] <Warning>: first of the next\n", 0,
                      INT64_C(1451606400) * US_PER_SEC /* 2016-01-01 */);
    assert_int_equal(c->ev.n, 2);
    assert_string_equal(t_time(c, 0), "2016-12-31T23:59:59.000Z");
    assert_string_equal(t_time(c, 1), "2017-01-01T00:00:02.000Z");
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    t_free(c);
}

static void test_log_show_styles(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_applelog,
        "Filtering the log data using \"process == \"profiled\"\"\n"
        "Skipping info and debug messages, pass --info and/or --debug to include.\n"
        "Timestamp                       Thread     Type        Activity             PID    TTL  \n"
        "2016-06-22 18:30:53.691033-0500 0x1a2b     Default     0x0                  123    0    profiled: (ManagedConfiguration) [com.apple.ManagedConfiguration:MC] Performing synchronous URL request: https://ndes/x?operation=GetCACert\n"
        "2016-06-22 18:30:57.320616-0500 0x1a2b     Error       0x0                  123    0    profiled: [com.apple.ManagedConfiguration:MC] Cannot retrieve SCEP identity: NSError:\n"
        "Desc   : The SCEP server returned an invalid response.\n"
        "2020-05-13 08:50:08.983521+0900 0x97b      Default     0x0                  0      0    kernel: (org.pqrs.X) [IOUserHIDDevice.cpp:62][0x100000514] Start failed\n"
        "--------------------------------------------------------------------------------------------------------------------\n"
        "Log      - Default:          2, Info:                0, Debug:             0, Error:          1, Fault:          0\n"
        "Activity - Create:           0, Transition:          0, Actions:           0\n"
        "Timestamp               Ty Process[PID:TID]\n"
        "2016-06-22 18:31:00.100 Df Company Portal[4242:714e3fa] [com.microsoft.CompanyPortal:sync] compact style\n"
        "2016-06-22 18:31:00.200 Er profiled[123:1a2b] (ManagedConfiguration) an error\n"
        "Timestamp                       (process)[PID]\n"
        "2016-06-22 18:31:01.622369+0200  localhost profiled[41737]: (ManagedConfiguration) syslog style\n");
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.header, 8);
    assert_int_equal(c->src.continuation, 1);
    assert_int_equal(c->src.date_missing, DATE_COMPLETE);
    assert_string_equal(t_time(c, 0), "2016-06-22T23:30:53.691Z");
    assert_string_equal(t_field(c, 0, "thread"), "0x1a2b");
    assert_string_equal(t_field(c, 0, "type"), "Default");
    assert_string_equal(t_field(c, 0, "pid"), "123");
    assert_string_equal(t_field(c, 0, "process"), "profiled");
    assert_string_equal(t_field(c, 0, "sender"), "ManagedConfiguration");
    assert_string_equal(t_field(c, 0, "subsystem"), "com.apple.ManagedConfiguration");
    assert_string_equal(t_field(c, 0, "category"), "MC");
    assert_string_equal(t_msg(c, 0), "Performing synchronous URL request: https://ndes/x?operation=GetCACert");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_null(t_field(c, 1, "sender"));
    assert_string_equal(t_msg(c, 1), "Cannot retrieve SCEP identity: NSError:\n"
                                     "Desc   : The SCEP server returned an invalid response.");
    /* "[file.cpp:62]" is the message's, not a subsystem */
    assert_null(t_field(c, 2, "subsystem"));
    assert_string_equal(t_msg(c, 2), "[IOUserHIDDevice.cpp:62][0x100000514] Start failed");
    assert_string_equal(t_time(c, 2), "2020-05-12T23:50:08.983Z");
    /* compact: no zone; a process name with a space */
    assert_string_equal(t_field(c, 3, "process"), "Company Portal");
    assert_string_equal(t_field(c, 3, "pid"), "4242");
    assert_string_equal(t_field(c, 3, "thread"), "714e3fa");
    assert_string_equal(t_field(c, 3, "type"), "Df");
    assert_string_equal(t_msg(c, 3), "compact style");
    assert_string_equal(t_time(c, 3), "2016-06-22T18:31:00.100Z");
    assert_int_equal(c->ev.v[4].level, LEVEL_ERROR);
    assert_string_equal(t_msg(c, 4), "an error");
    assert_string_equal(t_field(c, 5, "host"), "localhost");
    assert_string_equal(t_field(c, 5, "pid"), "41737");
    assert_string_equal(t_msg(c, 5), "syslog style");
    assert_string_equal(t_time(c, 5), "2016-06-22T16:31:01.622Z");
    assert_int_equal(c->src.zone, ZONE_MIXED);
    t_free(c);
}

static void test_rtf_file(void **state)
{
    (void)state;
    /* a Console copy saved by TextEdit: its RTF header, control words before the first line,
     * \uN escapes, a message over two lines each ending in the RTF line break */
    struct tcase *c = t_parse_dated(&parser_applelog,
        "{\\rtf1\\ansi\\ansicpg1252\\cocoartf1561\\cocoasubrtf600\n"
        "{\\fonttbl\\f0\\fswiss\\fcharset0 Helvetica;}\n"
        "{\\colortbl;\\red255\\green255\\blue255;}\n"
        "{\\*\\expandedcolortbl;;}\n"
        "\\paperw11900\\paperh16840\\margl1440\\margr1440\\vieww10800\\viewh8400\\viewkind0\n"
        "\\pard\\tx566\\tx1133\\pardirnatural\\partightenfactor0\n"
        "\n"
        "\\f0\\fs24 \\cf0 Default 18:30:57.320616 -0500 profiled Profile \\uc0\\u8220 www.SCEP.X\\u8221  installed.\\\n"
        "Error 18:31:02.000001 -0500 profiled MC: Cannot retrieve SCEP identity: NSError:\\\n"
        "Desc   : The Registration Authority\\'92s response is invalid \\{braces\\} C:\\\\path\\\n"
        "}", 0, DAY_20160622);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.header, 7);
    assert_int_equal(c->src.blank, 1);
    assert_string_equal(t_field(c, 0, "type"), "Default");
    assert_string_equal(t_msg(c, 0), "Profile \xe2\x80\x9cwww.SCEP.X\xe2\x80\x9d installed.");
    assert_string_equal(t_msg(c, 1), "MC: Cannot retrieve SCEP identity: NSError:\n"
                                     "Desc   : The Registration Authority\xe2\x80\x99s response is "
                                     "invalid {braces} C:\\path");
    t_free(c);
}

static void test_apple_hostile(void **state)
{
    (void)state;
    static const char text[] =
        "Error 404 is not a Console line\n"
        "Default 18:30:5\n"                                   /* cut inside its time */
        "Default 25:30:53.000000 -0500 profiled hour 25\n"
        "Desc   : under the unreadable one\n"
        "May 32 10:00:00 iPhone profiled[1] <Notice>: no such day\n"
        "Debug 18:30:53.691033 -0500 profiled nul\0inside\n"
        "Default 18:30:54.000000 -0500\n"                     /* no process, no message */
        "2016-06-22 18:30:53.691033-0500 0x1";                /* cut, no line end */
    struct tcase *c = t_parse_dated(&parser_applelog, text, sizeof text - 1, DAY_20160622);
    assert_int_equal(c->ev.n, 8);
    assert_int_equal(c->src.unparsed, 5);
    assert_true(note_has(c, "line 1: kept as raw: line before the first Apple log entry"));
    assert_true(note_has(c, "line 2: kept as raw: bad time '18:30:5'"));
    assert_true(note_has(c, "line 3: kept as raw: bad time '25:30:53.000000 -0500': hour past 23"));
    assert_true(note_has(c, "line 4: kept as raw: continues an unreadable entry (the entry of line 3)"));
    assert_true(note_has(c, "line 5: kept as raw: bad date 'May 32': no such day"));
    struct span m = parser_applelog.message(&c->src, &c->ev.v[5]);
    assert_int_equal(m.n, 10);
    assert_memory_equal(m.p, "nul\0inside", 10);
    assert_false(c->ev.v[6].flags & EVF_RAW);
    assert_string_equal(t_msg(c, 6), "");
    assert_null(t_field(c, 6, "process"));
    assert_false(c->ev.v[7].flags & EVF_RAW);
    assert_string_equal(t_field(c, 7, "thread"), "0x1");
    t_free(c);
}

static void test_apple_huge_and_utf16(void **state)
{
    (void)state;
    size_t big = 2u << 20;
    const char *head = "Default 18:30:53.691033 -0500 profiled ";
    size_t hn = strlen(head);
    char *text = malloc(hn + big + 64);
    assert_non_null(text);
    memcpy(text, head, hn);
    for (size_t i = 0; i < big; i++)
        text[hn + i] = i % 1000 == 999 ? '\\' : 'x'; /* backslashes that escape nothing */
    strcpy(text + hn + big, "\\'93\nDebug 18:30:54.000000 -0500 profiled after\n");
    struct tcase *c = t_parse_dated(&parser_applelog, text, strlen(text), DAY_20160622);
    assert_int_equal(c->ev.n, 2);
    struct span m = parser_applelog.message(&c->src, &c->ev.v[0]);
    assert_int_equal(m.n, big + 3); /* \'93 read as the 3 bytes of U+201C */
    assert_memory_equal(m.p + big, "\xe2\x80\x9c", 3);
    assert_string_equal(t_msg(c, 1), "after");
    t_free(c);
    free(text);
    /* UTF-16BE without a byte order mark */
    const char *line = "Default 18:30:57.320616 -0500 profiled Profile installed.\n";
    unsigned char buf[256];
    size_t n = 0;
    for (const char *p = line; *p; p++) {
        buf[n++] = 0;
        buf[n++] = (unsigned char)*p;
    }
    c = t_parse_bytes(&parser_applelog, buf, n);
    assert_int_equal(c->src.enc, ENC_UTF16BE);
    assert_int_equal(c->ev.n, 1);
    assert_string_equal(t_msg(c, 0), "Profile installed.");
    t_free_bytes(c);
}

static void test_apple_sniff(void **state)
{
    (void)state;
    assert_int_equal(parser_applelog.sniff(console_installed, strlen(console_installed)), 95);
    assert_int_equal(parser_applelog.sniff(ios_syslog_ra, strlen(ios_syslog_ra)), 95);
    const char *show = "Timestamp                       Thread     Type        Activity             PID    TTL\n"
                       "2020-05-13 08:50:08.983279+0900 0x97b      Default     0x0                  0      0    kernel: x\n";
    assert_int_equal(parser_applelog.sniff(show, strlen(show)), 95);
    /* a Unix syslog without iOS's <Level>, an IIS log and an OMADM log are not taken */
    const char *unix_syslog = "Jun 10 02:44:06 host sshd[123]: Accepted publickey\n"
                              "Jun 10 02:44:07 host sshd[123]: session opened\n";
    assert_int_equal(parser_applelog.sniff(unix_syslog, strlen(unix_syslog)), 0);
    const char *iis = "#Fields: date time s-ip cs-method\n2016-06-10 02:44:06 10.0.0.5 GET / - 443\n";
    assert_int_equal(parser_applelog.sniff(iis, strlen(iis)), 0);
    assert_int_equal(parser_w3c.sniff(console_installed, strlen(console_installed)), 0);
}

/* ---- dating lines without a date ------------------------------------------------------------ */

static void test_datefit(void **state)
{
    (void)state;
    const int64_t D = US_PER_DAY, H = 3600 * US_PER_SEC;
    struct datefit f;
    /* a Console copy read as 1970-01-01 18:30..18:31; another log's lines on day 17035
     * (2016-08-22: two near 18:30) and 17034 (2016-08-21: three near it): the day with the
     * most lines near wins */
    int64_t first = 18 * H + 30 * 60 * US_PER_SEC, last = first + 60 * US_PER_SEC;
    int64_t anchors[] = { 17035 * D + 18 * H, 17035 * D + 18 * H + 60 * US_PER_SEC,
                          17034 * D + 10 * H, 17034 * D + 18 * H + 40 * 60 * US_PER_SEC,
                          17034 * D + 18 * H + 45 * 60 * US_PER_SEC,
                          17034 * D + 19 * H };
    int64_t sorted[6];
    memcpy(sorted, anchors, sizeof anchors);
    for (int i = 0; i < 6; i++) /* insertion sort */
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int64_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    datefit_choose(DATE_NO_DAY, 0, first, last, sorted, 6, TIME_NONE, &f);
    assert_int_equal(f.from, DATE_FROM_CASE);
    assert_true(f.ref == 17034 * D);
    assert_int_equal(f.support, 3);
    char w[16];
    datefit_words(DATE_NO_DAY, f.ref, w);
    assert_string_equal(w, "2016-08-21");
    datefit_words(DATE_NO_YEAR, f.ref, w);
    assert_string_equal(w, "2016");
    /* a tie: the later day */
    int64_t tie[] = { 17030 * D + first, 17032 * D + first };
    datefit_choose(DATE_NO_DAY, 0, first, last, tie, 2, TIME_NONE, &f);
    assert_true(f.ref == 17032 * D);
    /* nothing near: the file's modification time, after the last line */
    int64_t far[] = { 17000 * D + 2 * H };
    datefit_choose(DATE_NO_DAY, 0, first, last, far, 1, 17040 * D + 18 * H, &f);
    assert_int_equal(f.from, DATE_FROM_MTIME);
    assert_true(f.ref == 17039 * D); /* 18:31 comes after 18:00 that day: the day before */
    datefit_choose(DATE_NO_DAY, 0, first, last, NULL, 0, 17040 * D + 20 * H, &f);
    assert_true(f.ref == 17040 * D);
    /* nothing at all: kept */
    datefit_choose(DATE_NO_DAY, 5 * D, first, last, NULL, 0, TIME_NONE, &f);
    assert_int_equal(f.from, DATE_FROM_NONE);
    assert_true(f.ref == 5 * D);
    /* complete dates need nothing */
    datefit_choose(DATE_COMPLETE, 5 * D, first, last, sorted, 6, TIME_NONE, &f);
    assert_int_equal(f.from, DATE_FROM_NONE);
    /* no year: the year whose lines are near (read first as 1970, May 23) */
    int64_t may23 = days_from_civil(1970, 5, 23) * D + 14 * H;
    int64_t years[] = { days_from_civil(2015, 1, 3) * D, days_from_civil(2016, 5, 23) * D + 14 * H,
                        days_from_civil(2017, 9, 1) * D };
    datefit_choose(DATE_NO_YEAR, 0, may23, may23 + 6 * US_PER_SEC, years, 3, TIME_NONE, &f);
    assert_int_equal(f.from, DATE_FROM_CASE);
    datefit_words(DATE_NO_YEAR, f.ref, w);
    assert_string_equal(w, "2016");
    /* no year, nothing near: the year of the modification time, or the one before when the
     * lines would come after it */
    int64_t may23_2016 = days_from_civil(2016, 5, 23) * D + 14 * H;
    datefit_choose(DATE_NO_YEAR, days_from_civil(2016, 1, 1) * D, may23_2016, may23_2016, NULL, 0,
                   days_from_civil(2016, 3, 1) * D, &f);
    datefit_words(DATE_NO_YEAR, f.ref, w);
    assert_string_equal(w, "2015");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_omadm_excerpt),
        cmocka_unit_test(test_omadm_levels_and_variants),
        cmocka_unit_test(test_omadm_missing_fields),
        cmocka_unit_test(test_omadm_continuation),
        cmocka_unit_test(test_omadm_hostile),
        cmocka_unit_test(test_omadm_huge_line),
        cmocka_unit_test(test_omadm_utf16),
        cmocka_unit_test(test_omadm_sniff),
        cmocka_unit_test(test_console_copy_rtf_artefacts),
        cmocka_unit_test(test_console_copy_days_and_tabs),
        cmocka_unit_test(test_ios_syslog_excerpt),
        cmocka_unit_test(test_log_show_styles),
        cmocka_unit_test(test_rtf_file),
        cmocka_unit_test(test_apple_hostile),
        cmocka_unit_test(test_apple_huge_and_utf16),
        cmocka_unit_test(test_apple_sniff),
        cmocka_unit_test(test_datefit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
