/* test_playbook.c - the playbook loader (schema errors placed at FILE:LINE:COLUMN, extra files,
 * atomic failure), the literal prefilter, and classification of real parsed W3C/CMTrace text. */
#include <ctype.h>
#include <stdbool.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "testutil.h"

#include "playbook.h"

extern const struct parser parser_w3c, parser_cmtrace;

/* Six complete steps on lines 4 to 10 of every fixture below. */
#define HEAD                                                                                  \
    "playbook: test\n"                                                                        \
    "title: Test playbook\n"                                                                  \
    "windows: {gap: 30, skew_min: 0.25}\n"                                                    \
    "steps:\n"                                                                                \
    "  - {number: 1, label: l1, title: t1, summary: s1, check: c1, evidence: e1, roles: ndes-iis}\n"    \
    "  - {number: 2, label: l2, title: t2, summary: s2, check: c2, evidence: e2}\n"                      \
    "  - {number: 3, label: l3, title: t3, summary: s3, check: c3, evidence: e3,"                        \
    " roles: [ndesplugin, crp-iis]}\n"                                                        \
    "  - {number: 4, label: l4, title: t4, summary: s4, check: c4, evidence: e4}\n"                      \
    "  - {number: 5, label: l5, title: t5, summary: s5, check: c5, evidence: e5}\n"                      \
    "  - {number: 6, label: l6, title: t6, summary: s6, check: c6, evidence: e6}\n"

static const char full_yaml[] =
    HEAD
    "signatures:\n"
    "  - id: pki-404-15\n"
    "    step: 2\n"
    "    verdict: fail\n"
    "    mark: pkioperation\n"
    "    sources: {format: w3c, role: ndes-iis}\n"
    "    fields:\n"
    "      cs-uri-query: \"(?i)operation=PKIOperation\"\n"
    "      sc-status: \"^404$\"\n"
    "      sc-substatus: \"^15$\"\n"
    "    explanation: \"IIS refused the request: the URL is too long\"\n"
    "    fix: \"Raise MaxFieldLength and MaxRequestBytes\"\n"
    "  - id: pki-ok\n"
    "    step: 2\n"
    "    verdict: pass\n"
    "    mark: pkioperation\n"
    "    sources: {format: w3c}\n"
    "    fields:\n"
    "      cs-uri-query: \"(?i)operation=PKIOperation\"\n"
    "      sc-status: \"^2\"\n"
    "  - id: ndes-send\n"
    "    step: 3\n"
    "    verdict: info\n"
    "    mark: verify.send\n"
    "    sources: {format: cmtrace, component: ndesplugin}\n"
    "    message: \"Sending request to certificate registration point\"\n"
    "  - id: crp-send\n"
    "    step: 4\n"
    "    verdict: info\n"
    "    sources: {format: [cmtrace, cmtrace-legacy], component: CertificateRegistrationPoint}\n"
    "    message: \"Sending request to certificate registration point\"\n"
    "  - id: crp-phase3\n"
    "    step: 4\n"
    "    verdict: info\n"
    "    mark: crp.verify.begin\n"
    "    message: \"started for device (?<device>[0-9a-fA-F-]{36}) and user "
    "(?<user>[0-9a-fA-F-]{36})\"\n"
    "  - id: verify-exit\n"
    "    step: 3\n"
    "    verdict: info\n"
    "    mark: verify.exit\n"
    "    message: \"Exiting VerifyRequest with (?:(?<hr>0x[1-9a-f][0-9a-f]*)|0x0)\"\n"
    "  - id: verify-false\n"
    "    step: 3\n"
    "    verdict: fail\n"
    "    mark: verify.result\n"
    "    message: \"Verify challenge returns false\"\n"
    "    explanation: \"The CRP rejected the challenge\"\n"
    "    fix: \"Check the CRP certificate\"\n"
    "  - id: bait\n"
    "    step: 1\n"
    "    verdict: info\n"
    "    message: \"garbage\"\n"
    "expectations:\n"
    "  - id: verify-no-answer\n"
    "    step: 3\n"
    "    when: verify.call\n"
    "    missing: verify.result\n"
    "    if_loaded: ndesplugin\n"
    "    verdict: fail\n"
    "    explanation: \"No answer\"\n"
    "    fix: \"Look at the CRP\"\n"
    "marks:\n"
    "  - {mark: pkioperation, sources: {format: w3c},"
    " fields: {cs-uri-query: \"(?i)operation=PKIOperation\"}}\n"
    "  - {mark: verify.send, sources: {component: NDESPlugin},"
    " message: \"^Sending request to certificate registration point\"}\n"
    "  - {mark: crp.verify.begin, sources: {role: crp}, message: \"^Validation Phase\"}\n";

enum { SIG_404, SIG_OK, SIG_NDES_SEND, SIG_CRP_SEND, SIG_PHASE3, SIG_EXIT, SIG_FALSE, SIG_BAIT,
       NSIGS };

#define W3C_FIELDS                                                                            \
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "     \
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
#define MSCEP "GET /certsrv/mscep/mscep.dll/pkiclient.exe "

static const char ndes_iis[] =
    "#Software: Microsoft Internet Information Services 10.0\n"
    W3C_FIELDS
    "2016-06-10 02:44:12 10.1.2.20 " MSCEP "operation=PKIOperation&message=MIIH 443 - "
    "10.1.2.30 - - 404 15 0 5\n"
    "2016-06-10 02:44:13 10.1.2.20 " MSCEP "operation=PKIOperation&message=MIIH 443 - "
    "10.1.2.30 - - 200 0 0 502\n"
    "2016-06-10 02:44:13 10.1.2.20 " MSCEP "operation=pkioperation&message=MIIH 443 - "
    "10.1.2.30 - - 200 0 0 502\n"
    "2016-06-10 02:44:14 10.1.2.20 " MSCEP "operation=GetCACert&message=x 443 - "
    "10.1.2.30 - - 200 0 0 1\n"
    "garbage\n";

#define CM(msg, comp)                                                                         \
    "<![LOG[" msg "]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" component=\"" comp  \
    "\" context=\"\" type=\"1\" thread=\"2900\" file=\"x.cpp:1\">\n"

static const char cm_mixed[] =
    CM("Sending request to certificate registration point.", "NDESPlugin")
    CM("Sending request to certificate registration point.", "CertificateRegistrationPoint")
    CM("Sending request to certificate registration point.", "SomethingElse")
    CM("Validation Phase 3 started for device 38fdb94d-db5c-468d-b8d6-37aff538e934 and user "
       "4514c247-96e3-4c6e-9d60-806ac5fa7e2f.", "CertificateRegistrationPoint")
    CM("Exiting VerifyRequest with 0x0", "NDESPlugin")
    CM("Exiting VerifyRequest with 0x80070057", "NDESPlugin");

static void load_full(struct playbook *pb)
{
    char err[512] = "";
    memset(pb, 0, sizeof *pb);
    if (!playbook_load_string(pb, "base.yaml", full_yaml, strlen(full_yaml), err, sizeof err))
        fail_msg("the fixture does not load: %s", err);
}

/* The load must fail with a message starting with prefix and containing phrase, and leave pb
 * exactly as it was. */
static void expect_error_into(struct playbook *pb, const char *yaml, const char *prefix,
                              const char *phrase)
{
    char err[1024] = "";
    size_t nsigs = pb->nsigs, nexp = pb->nexpects;
    const char *first = pb->nsigs ? pb->sigs[0].id : NULL;
    const char *title2 = pb->steps[1].title;
    double gap = pb->win.gap;
    assert_false(playbook_load_string(pb, "t.yaml", yaml, strlen(yaml), err, sizeof err));
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, phrase))
        fail_msg("expected '%s...%s', got '%s'", prefix, phrase, err);
    assert_int_equal(pb->nsigs, nsigs);
    assert_int_equal(pb->nexpects, nexp);
    assert_ptr_equal(pb->nsigs ? pb->sigs[0].id : NULL, first);
    assert_ptr_equal(pb->steps[1].title, title2);
    assert_true(pb->win.gap == gap);
}

static void expect_error(const char *yaml, const char *prefix, const char *phrase)
{
    struct playbook pb;
    memset(&pb, 0, sizeof pb);
    expect_error_into(&pb, yaml, prefix, phrase);
    assert_null(pb.name);
    playbook_free(&pb);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    enum mark m;
    assert_string_equal(mark_name(MARK_VERIFY_RESULT), "verify.result");
    assert_true(mark_from_name("crp.notify.end", &m));
    assert_int_equal(m, MARK_CRP_NOTIFY_END);
    assert_false(mark_from_name("verify", &m));
    assert_string_equal(verdict_name(VERDICT_NONE), "none");
    assert_string_equal(verdict_name(VERDICT_WARN), "warn");
    assert_string_equal(verdict_name(VERDICT_FAIL), "fail");
}

/* ---- loading ---------------------------------------------------------------------------- */

static void test_full_loads(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    assert_string_equal(pb.name, "test");
    assert_string_equal(pb.title, "Test playbook");
    assert_int_equal(pb.nsigs, NSIGS);
    assert_string_equal(pb.sigs[SIG_404].id, "pki-404-15");
    assert_int_equal(pb.sigs[SIG_404].verdict, VERDICT_FAIL);
    assert_int_equal(pb.sigs[SIG_404].mark, MARK_PKIOPERATION);
    assert_int_equal(pb.sigs[SIG_404].ncond, 3);
    assert_int_equal(pb.sigs[SIG_404].nroles, 1);
    assert_int_equal(pb.sigs[SIG_404].roles[0], ROLE_NDES_IIS);
    assert_string_equal(pb.sigs[SIG_404].file, "base.yaml");
    assert_int_equal(pb.sigs[SIG_404].line, 12);
    assert_int_equal(pb.sigs[SIG_CRP_SEND].nformats, 2);
    assert_string_equal(pb.sigs[SIG_FALSE].cond[0].literal, "Verify challenge returns false");
    assert_int_equal(pb.steps[2].number, 3);
    assert_int_equal(pb.steps[2].nroles, 2);
    assert_int_equal(pb.steps[2].roles[1], ROLE_CRP_IIS);
    assert_string_equal(pb.steps[5].evidence, "e6");
    /* given windows, and the defaults for the rest */
    assert_true(pb.win.gap == 30 && pb.win.skew_min == 0.25);
    assert_true(pb.win.tolerance == 1.0 && pb.win.preamble == 120 &&
                pb.win.notify_after == 60 && pb.win.max_skew == 86400);
    assert_int_equal(pb.nexpects, 1);
    assert_int_equal(pb.expects[0].when, MARK_VERIFY_CALL);
    assert_int_equal(pb.expects[0].nmissing, 1);
    assert_int_equal(pb.expects[0].missing[0], MARK_VERIFY_RESULT);
    assert_int_equal(pb.expects[0].if_loaded, ROLE_NDESPLUGIN);
    assert_int_equal(pb.expects[0].when_verdict, VERDICT_NONE);
    assert_non_null(pb.match_data);
    playbook_free(&pb);
    assert_null(pb.sigs);
    assert_null(pb.name);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_playbook_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, full_yaml, strlen(full_yaml)), (ssize_t)strlen(full_yaml));
    close(fd);
    struct playbook pb;
    memset(&pb, 0, sizeof pb);
    char err[512];
    assert_true(playbook_load(&pb, path, err, sizeof err));
    assert_int_equal(pb.nsigs, NSIGS);
    assert_string_equal(pb.sigs[0].file, path);

    /* a file over 4 MiB is refused, and pb stays as it was */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 5 * 1024; i++)
        fprintf(f, "# %1020d\n", i);
    fclose(f);
    assert_false(playbook_load(&pb, path, err, sizeof err));
    assert_non_null(strstr(err, "larger than 4 MiB"));
    assert_int_equal(pb.nsigs, NSIGS);
    unlink(path);

    assert_false(playbook_load(&pb, "/nonexistent/pb.yaml", err, sizeof err));
    assert_string_equal(err, "/nonexistent/pb.yaml: cannot open: No such file or directory");
    playbook_free(&pb);
}

static void test_error_syntax(void **state)
{
    (void)state;
    expect_error("playbook: x\n\tsteps: []\n", "t.yaml:2:1: ",
                 "found a tab character that violates indentation (while scanning a plain "
                 "scalar)");
    expect_error("playbook: x\nsteps:\n  - @a\n", "t.yaml:3:5: ",
                 "found character that cannot start any token (while scanning for the next "
                 "token)");
    expect_error("playbook: x\ntitle: \"unclosed\n", "t.yaml:3:1: ",
                 "found unexpected end of stream (while scanning a quoted scalar)");
    expect_error("", "t.yaml:1:1: ", "the file is empty");
    expect_error("- a\n- b\n", "t.yaml:1:1: ", "the playbook file must be a map");
    expect_error("playbook: x\n---\nplaybook: y\n", "t.yaml:3:1: ", "a second YAML document");
    expect_error("playbook: ok\ntitle: \"\xff\"\n", "t.yaml:2:9: ", "invalid leading UTF-8");
}

static void test_error_signature_key(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - id: a\n"
                      "    step: 2\n"
                      "    verdikt: pass\n",
                 "t.yaml:14:5: ", "unknown key 'verdikt' in a signature: expected one of id, "
                 "step, verdict, mark, sources, message, fields, explanation, fix");
    expect_error(HEAD "signatures:\n"
                      "  - id: a\n"
                      "    step: 2\n"
                      "    verdict: pass\n"
                      "    message: x\n"
                      "    sources: {format: w3c, host: ndes}\n",
                 "t.yaml:16:28: ", "unknown key 'host'");
    expect_error(HEAD "bogus: 1\n", "t.yaml:11:1: ", "unknown key 'bogus'");
    expect_error(HEAD "signatures: {id: a}\n", "t.yaml:11:13: ", "must be a list");
}

static void test_sync_schedule(void **state)
{
    (void)state;
    expect_error(HEAD "sync_schedule: {windows: {first: 300, first_for: 900}}\n",
                 "t.yaml:11:26: ", "sync_schedule: windows: then is missing");
    expect_error(HEAD "sync_schedule: {linux: {}}\n", "t.yaml:11:17: ", "unknown key 'linux'");
    expect_error(HEAD "sync_schedule: {ios: {first: 1, first_for: 1, then: 1, then_for: 0, "
                      "steady: soon}}\n",
                 "t.yaml:11:", "steady must be a number of seconds");
}

static void test_error_verdict(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - id: a\n"
                      "    step: 2\n"
                      "    verdict: maybe\n"
                      "    message: x\n",
                 "t.yaml:14:14: ", "verdict 'maybe' is not one of info, pass, warn, fail");
    expect_error(HEAD "signatures:\n"
                      "  - id: a\n"
                      "    step: 2\n"
                      "    verdict: [pass]\n"
                      "    message: x\n",
                 "t.yaml:14:14: ", "not a list");
}

static void test_error_fail_without_explanation(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - id: broken\n"
                      "    step: 2\n"
                      "    verdict: fail\n"
                      "    message: x\n"
                      "    fix: y\n",
                 "t.yaml:12:5: ", "signature 'broken' has verdict fail but no 'explanation'");
    expect_error(HEAD "signatures:\n"
                      "  - id: broken\n"
                      "    step: 2\n"
                      "    verdict: warn\n"
                      "    message: x\n"
                      "    explanation: y\n",
                 "t.yaml:12:5: ", "no 'fix'");
    expect_error(HEAD "signatures:\n"
                      "  - id: nothing\n"
                      "    step: 2\n"
                      "    verdict: info\n",
                 "t.yaml:12:5: ", "has no condition");
}

static void test_error_bad_regex(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - id: rx\n"
                      "    step: 2\n"
                      "    verdict: info\n"
                      "    message: \"(abc\"\n",
                 "t.yaml:15:14: ", "signature 'rx': pattern for message: missing closing "
                 "parenthesis at offset 4");
    expect_error(HEAD "signatures:\n"
                      "  - id: rx\n"
                      "    step: 2\n"
                      "    verdict: info\n"
                      "    fields:\n"
                      "      sc-status: \"[2\"\n",
                 "t.yaml:16:18: ", "signature 'rx': pattern for sc-status: missing terminating ]");
}

static void test_error_duplicate_id(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - {id: same, step: 1, verdict: info, message: a}\n"
                      "  - {id: same, step: 1, verdict: info, message: b}\n",
                 "t.yaml:13:10: ", "signature id 'same' is already used (by the signature at "
                 "t.yaml:12)");
    /* against the loaded playbook too, for an extra file */
    struct playbook pb;
    load_full(&pb);
    expect_error_into(&pb, "signatures:\n  - {id: pki-ok, step: 1, verdict: info, message: a}\n",
                      "t.yaml:2:10: ", "'pki-ok' is already used (by the signature at "
                      "base.yaml:23)");
    playbook_free(&pb);
}

static void test_error_step_range(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - {id: s, step: 7, verdict: info, message: a}\n",
                 "t.yaml:12:19: ", "signature 's': step '7' is not a step: expected a number from 1 to 6");
    expect_error("playbook: x\nsteps:\n  - number: 7\n", "t.yaml:3:13: ",
                 "step number '7' is not a step");
    expect_error(HEAD "steps:\n  - {number: 2, label: l2, title: again}\n", "t.yaml:11:1: ",
                 "key 'steps' is given twice");
}

static void test_error_unknown_role_and_mark(void **state)
{
    (void)state;
    expect_error(HEAD "signatures:\n"
                      "  - id: r\n"
                      "    step: 2\n"
                      "    verdict: info\n"
                      "    message: a\n"
                      "    sources:\n"
                      "      role: [ndes-iis, ndes]\n",
                 "t.yaml:17:24: ", "unknown role 'ndes': expected one of ndes-iis");
    expect_error(HEAD "signatures:\n"
                      "  - id: m\n"
                      "    step: 2\n"
                      "    verdict: info\n"
                      "    mark: verify.answer\n"
                      "    message: a\n",
                 "t.yaml:15:11: ", "unknown mark 'verify.answer': expected one of getcacert");
    expect_error(HEAD "signatures:\n"
                      "  - {id: f, step: 2, verdict: info, message: a, sources: {format: json}}\n",
                 "t.yaml:12:67: ", "unknown format 'json': expected one of w3c, cmtrace");
    expect_error(HEAD "expectations:\n"
                      "  - id: e\n"
                      "    step: 3\n"
                      "    when: verify.call\n"
                      "    missing: []\n"
                      "    verdict: fail\n"
                      "    explanation: x\n"
                      "    fix: y\n",
                 "t.yaml:15:14: ", "missing is empty");
    expect_error(HEAD "expectations:\n"
                      "  - {id: e, step: 3, when: verify.call, missing: x, verdict: warn}\n",
                 "t.yaml:12:50: ", "missing: unknown mark 'x'");
    expect_error(HEAD "expectations:\n"
                      "  - {id: e, step: 3, when: verify.call, missing: verify.result,"
                      " verdict: pass}\n",
                 "t.yaml:12:74: ", "verdict 'pass' is not one of warn, fail");
}

static void test_error_full_missing_step(void **state)
{
    (void)state;
    expect_error("playbook: x\n"
                 "steps:\n"
                 "  - {number: 1, label: l1, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 2, label: l2, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 3, label: l3, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 5, label: l5, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 6, label: l6, title: t, summary: s, check: c, evidence: e}\n",
                 "t.yaml:3:3: ", "playbook 'x' does not define step 4");
    expect_error("playbook: x\n"
                 "steps:\n"
                 "  - {number: 1, label: l1, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 2, label: l2, title: t, summary: s, evidence: e}\n"
                 "  - {number: 3, label: l3, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 4, label: l4, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 5, label: l5, title: t, summary: s, check: c, evidence: e}\n"
                 "  - {number: 6, label: l6, title: t, summary: s, check: c, evidence: e}\n",
                 "t.yaml:4:5: ", "step 2 has no 'check'");
    expect_error("playbook: x\n", "t.yaml:1:1: ", "does not define step 1");
}

static void test_error_extra_into_empty(void **state)
{
    (void)state;
    expect_error("signatures:\n  - {id: mine, step: 1, verdict: info, message: a}\n",
                 "t.yaml:1:1: ", "has no 'playbook:' key, so it adds to a playbook, but none "
                 "is loaded");
}

/* Every failure, early or late in the file, leaves the loaded playbook untouched. */
static void test_failed_load_keeps_playbook(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    /* the first signature is fine (and would go first), the second is broken */
    expect_error_into(&pb, "windows: {gap: 5}\n"
                           "steps:\n"
                           "  - {number: 2, label: l2, title: changed}\n"
                           "signatures:\n"
                           "  - {id: mine, step: 1, verdict: info, message: a}\n"
                           "  - {id: bad, step: 1, verdict: info, message: \"(a\"}\n",
                      "t.yaml:6:48: ", "missing closing parenthesis");
    expect_error_into(&pb, "title: x\n", "t.yaml:1:1: ", "'title' belongs to a full playbook");
    expect_error_into(&pb, "windows: {gap: -1}\n", "t.yaml:1:16: ",
                      "windows: gap must be a number of seconds >= 0");
    /* a full playbook that fails does not replace the loaded one either */
    expect_error_into(&pb, HEAD "signatures: [{id: z, step: 9, verdict: info, message: a}]\n",
                      "t.yaml:11:28: ", "signature 'z': step '9' is not a step");
    assert_string_equal(pb.name, "test");
    assert_string_equal(pb.sigs[0].id, "pki-404-15");
    assert_string_equal(pb.steps[1].title, "t2");
    playbook_free(&pb);
}

static void test_full_replaces(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    static const char other[] = HEAD "signatures: [{id: only, step: 1, verdict: info, "
                                     "message: abc}]\n";
    char err[512];
    assert_true(playbook_load_string(&pb, "other.yaml", other, strlen(other), err, sizeof err));
    assert_int_equal(pb.nsigs, 1);
    assert_string_equal(pb.sigs[0].id, "only");
    assert_int_equal(pb.nexpects, 0);
    playbook_free(&pb);
}

/* ---- the literal prefilter -------------------------------------------------------------- */

static void expect_literal(const char *pattern, const char *want, bool want_ci)
{
    bool ci = !want_ci;
    char *lit = pb_required_literal(pattern, &ci);
    if (!want) {
        if (lit)
            fail_msg("%s: expected no literal, got '%s'", pattern, lit);
    } else {
        if (!lit || strcmp(lit, want) != 0)
            fail_msg("%s: expected '%s', got '%s'", pattern, want, lit ? lit : "(null)");
        assert_int_equal(ci, want_ci);
    }
    free(lit);
}

static void test_literal(void **state)
{
    (void)state;
    expect_literal("Verify challenge returns false", "Verify challenge returns false", false);
    expect_literal("(?i)operation=GetCACert", "operation=GetCACert", true);
    /* the longest run at depth 0; the space before it is required too */
    expect_literal("Validation Phase (?<phase>\\d) finished with status False",
                   " finished with status False", false);
    expect_literal("a|b", NULL, false);
    expect_literal("abcdef|abcxyz", NULL, false);
    expect_literal("^2", NULL, false);
    expect_literal("^404$", "404", false);
    expect_literal("colou?r test", "r test", false);
    expect_literal("Exiting VerifyRequest with 0x(?!0\\b)", "Exiting VerifyRequest with 0x",
                   false);
    expect_literal("(?<=Phase )\\d started", " started", false);
    expect_literal("ab(c|d)+efg", "efg", false);
    expect_literal("abcd*", "abc", false);
    expect_literal("abcd{0,3}xy", "abc", false);
    expect_literal("abcd{2}xy", "abc", false);
    expect_literal("abcd+xy", "abcd", false);
    expect_literal("x\\.y\\(z\\)\\\\", "x.y(z)\\", false);
    expect_literal("a[bcd|)]efgh", "efgh", false);
    expect_literal("[]a(]bcdef", "bcdef", false);
    expect_literal("\\x41BCD\\d", "BCD", false);
    expect_literal("\\Q(abc|\\E defg", " defg", false);
    expect_literal("ab.cd", NULL, false);
    expect_literal("(?x)a b c d", NULL, false);
    expect_literal("abc (?i)defgh", NULL, false);
    expect_literal("abc(*ACCEPT)defgh", NULL, false);
    expect_literal("abc(?:(*ACCEPT))defgh", NULL, false);
    expect_literal("{(}abcd{)?}", NULL, false);
    /* caseless: letters whose Unicode case partners are not ASCII end a run */
    expect_literal("(?i)Task completed", " completed", true);
    expect_literal("(?i)ask", NULL, false);
}

/* Whether PCRE2, compiled as the playbook compiles, finds pattern in subject. -1: no pattern. */
static int pcre_finds(const char *pattern, const char *subject, size_t n)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (!re)
        return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    assert_non_null(md);
    int rc = pcre2_match(re, (PCRE2_SPTR)subject, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return rc >= 0;
}

/* The first place needle starts in subj, byte by byte (caseless: ASCII letters fold). */
static const char *naive_find(const char *subj, size_t n, const char *needle, bool ci)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && (ci ? tolower((unsigned char)subj[i + j]) == tolower((unsigned char)needle[j])
                            : subj[i + j] == needle[j]))
            j++;
        if (j == m)
            return subj + i;
    }
    return NULL;
}

/* The literal searches start from the needle's rarest byte (an '=' before a letter): they
 * still find the first place, with and without case, wherever the needle stands. */
static void test_span_find_finds_the_first_place(void **state)
{
    (void)state;
    static const char msg[] = "operation=PKIOperation&message=MIAGCSqGSIb3DQ%3D%3D";
    struct span q = span_make(msg, sizeof msg - 1);
    assert_ptr_equal(span_find_ci(q, "OPERATION=pkioperation"), msg);
    assert_null(span_find_ci(q, "operation=GetCACert"));
    assert_ptr_equal(span_find(q, "message="), msg + 23);
    assert_ptr_equal(span_find_ci(q, "%3d%3D"), msg + sizeof msg - 7);
    assert_null(span_find(q, "%3d"));
    static const char alphabet[] = "aAbB=.1 %";
    uint32_t seed = 777;
    for (int t = 0; t < 50000; t++) {
        char subj[48], needle[8];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof subj, m = 1 + (seed >> 8) % 6;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            subj[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        for (size_t i = 0; i < m; i++) {
            seed = seed * 1103515245u + 12345u;
            needle[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        needle[m] = 0;
        struct span a = span_make(subj, n);
        assert_ptr_equal(span_find(a, needle), naive_find(subj, n, needle, false));
        assert_ptr_equal(span_find_ci(a, needle), naive_find(subj, n, needle, true));
    }
}

/* The prefilter's one promise: whenever the pattern matches, the literal is in the subject. */
static void check_promise(const char *pattern, const char *subject, size_t n)
{
    if (pcre_finds(pattern, subject, n) != 1)
        return;
    bool ci;
    char *lit = pb_required_literal(pattern, &ci);
    if (lit) {
        struct span subj = span_make(subject, n);
        if (!(ci ? span_find_ci(subj, lit) : span_find(subj, lit)))
            fail_msg("pattern '%s' matches '%.*s' but the literal '%s' is not in it", pattern,
                     (int)n, subject, lit);
    }
    free(lit);
}

static void test_literal_never_rejects_a_match(void **state)
{
    (void)state;
    /* in UTF mode a caseless k matches the Kelvin sign, s the long s */
    check_promise("(?i)kelvin seen", "\xe2\x84\xaa" "elvin seen", 14);
    check_promise("(?i)status: ok", "\xc5\xbftatus: ok", 11);
    check_promise("abc\\x41BCD", "abcABCD", 7);
    check_promise("abc{2}def", "abccdef", 7);
    check_promise("x{(}abcd{)?}y", "x{}y", 4);

    /* random patterns from tricky pieces, random subjects from their characters */
    static const char *const piece[] = {
        "a", "b", "c", "ab", "bc", "\\.", ".", "?", "*", "+", "{2}", "{0,2}", "{1,}", "(", ")",
        "|", "[ab]", "[^a]", "[]a]", "\\d", "(?:", "(?=a", "(?!b", "(?<=a)", "\\Qa(\\E", "^",
        "$", "x", "(?i)", "{", "}", "\\b", "(?i:", "A", "B", " ", "1",
    };
    static const char alphabet[] = "abcxAB.(1 {}";
    uint32_t seed = 12345; /* a fixed LCG: the same cases on every run */
    for (int t = 0; t < 20000; t++) {
        char pat[128] = "";
        int np = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 8;
        for (int i = 0; i < np; i++) {
            seed = seed * 1103515245u + 12345u;
            strcat(pat, piece[(seed >> 16) % (sizeof piece / sizeof piece[0])]);
        }
        /* subjects: the pattern's plain characters, some dropped, doubled or replaced */
        for (int k = 0; k < 50; k++) {
            char subj[300];
            size_t n = 0;
            for (const char *q = pat; *q; q++) {
                if (strchr("\\()[]{}?*+|^$:=!<", *q))
                    continue;
                seed = seed * 1103515245u + 12345u;
                unsigned r = (seed >> 16) % 10;
                if (r == 0)
                    continue;
                subj[n++] = r == 1 ? alphabet[(seed >> 20) % (sizeof alphabet - 1)] : *q;
                if (r == 2)
                    subj[n++] = *q;
            }
            check_promise(pat, subj, n);
        }
    }
}

/* ---- classification on parsed text ------------------------------------------------------ */

/* The signature each event of c gets, in event order. */
static void classify_all(const struct playbook *pb, struct tcase *c, int *out)
{
    struct pb_candidates cands;
    assert_true(playbook_candidates(pb, &c->src, &cands));
    for (size_t i = 0; i < c->ev.n; i++)
        out[i] = playbook_classify(pb, &cands, &c->src, &c->ev.v[i]);
    pb_candidates_free(&cands);
}

static void test_classify_w3c_fields(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    struct tcase *c = t_parse(&parser_w3c, ndes_iis);
    assert_int_equal(c->ev.n, 5);
    assert_int_equal(c->src.role, ROLE_NDES_IIS);
    assert_true(c->ev.v[4].flags & EVF_RAW);

    struct pb_candidates cands;
    assert_true(playbook_candidates(&pb, &c->src, &cands));
    static const uint16_t want[] = { SIG_404, SIG_OK, SIG_PHASE3, SIG_EXIT, SIG_FALSE, SIG_BAIT };
    assert_int_equal(cands.n, 6);
    assert_memory_equal(cands.sig, want, sizeof want);
    assert_false(cands.needs_component);
    pb_candidates_free(&cands);

    int got[5];
    classify_all(&pb, c, got);
    assert_int_equal(got[0], SIG_404); /* 404.15: the fail signature, listed first */
    assert_int_equal(got[1], SIG_OK);  /* 200 */
    assert_int_equal(got[2], SIG_OK);  /* "(?i)operation=PKIOperation" on lower case */
    assert_int_equal(got[3], -1);      /* GetCACert */
    assert_int_equal(got[4], -1);      /* a raw line never matches, even "garbage" */

    /* the role filter: on a CRP server's log the NDES-only signature does not apply */
    c->src.role = ROLE_CRP_IIS;
    classify_all(&pb, c, got);
    assert_int_equal(got[0], -1);
    assert_int_equal(got[1], SIG_OK);
    playbook_free(&pb);
    t_free(c);
}

static void test_classify_cmtrace_component(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    struct tcase *c = t_parse(&parser_cmtrace, cm_mixed);
    assert_int_equal(c->ev.n, 6);
    struct pb_candidates cands;
    assert_true(playbook_candidates(&pb, &c->src, &cands));
    assert_int_equal(cands.n, 6);
    assert_int_equal(cands.sig[0], SIG_NDES_SEND);
    assert_int_equal(cands.sig[1], SIG_CRP_SEND);
    assert_true(cands.needs_component);
    pb_candidates_free(&cands);

    int got[6];
    classify_all(&pb, c, got);
    assert_int_equal(got[0], SIG_NDES_SEND); /* component NDESPlugin, filter "ndesplugin" */
    assert_int_equal(got[1], SIG_CRP_SEND);
    assert_int_equal(got[2], -1); /* same message, another component */
    assert_int_equal(got[3], SIG_PHASE3);
    assert_int_equal(got[4], SIG_EXIT);
    assert_int_equal(got[5], SIG_EXIT);

    /* a source no parser read gets no candidates */
    struct source none;
    memset(&none, 0, sizeof none);
    assert_true(playbook_candidates(&pb, &none, &cands));
    assert_int_equal(cands.n, 0);
    pb_candidates_free(&cands);
    playbook_free(&pb);
    t_free(c);
}

static void test_extract(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    struct tcase *c = t_parse(&parser_cmtrace, cm_mixed);
    const struct event *ph = &c->ev.v[3];
    char out[64];
    assert_true(playbook_extract(&pb, SIG_PHASE3, &c->src, ph, "device", out, sizeof out, NULL));
    assert_string_equal(out, "38fdb94d-db5c-468d-b8d6-37aff538e934");
    assert_true(playbook_extract(&pb, SIG_PHASE3, &c->src, ph, "user", out, sizeof out, NULL));
    assert_string_equal(out, "4514c247-96e3-4c6e-9d60-806ac5fa7e2f");
    assert_true(playbook_extract(&pb, SIG_PHASE3, &c->src, ph, "device", out, 9, NULL));
    assert_string_equal(out, "38fdb94d");
    assert_false(playbook_extract(&pb, SIG_PHASE3, &c->src, ph, "hresult", out, sizeof out, NULL));
    assert_string_equal(out, "");
    /* the event does not match that signature; no such signature */
    assert_false(playbook_extract(&pb, SIG_FALSE, &c->src, ph, "device", out, sizeof out, NULL));
    assert_false(playbook_extract(&pb, -1, &c->src, ph, "device", out, sizeof out, NULL));
    assert_false(playbook_extract(&pb, NSIGS, &c->src, ph, "device", out, sizeof out, NULL));
    /* a group in a branch that did not match is unset */
    assert_false(playbook_extract(&pb, SIG_EXIT, &c->src, &c->ev.v[4], "hr", out, sizeof out, NULL));
    assert_true(playbook_extract(&pb, SIG_EXIT, &c->src, &c->ev.v[5], "hr", out, sizeof out, NULL));
    assert_string_equal(out, "0x80070057");
    playbook_free(&pb);
    t_free(c);
}

static void test_invalid_utf8_and_nul(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    static const char text[] =
        CM("junk \xff\xfe\0 \xc3 Verify challenge returns false \xe2\x82", "NDESPlugin")
        CM("\xc0\xaf\0\0 Verify challenge returns true", "NDESPlugin");
    struct tcase *c = t_parse_tz(&parser_cmtrace, text, sizeof text - 1, NULL);
    assert_int_equal(c->ev.n, 2);
    assert_false(c->ev.v[0].flags & EVF_RAW);
    int got[2];
    classify_all(&pb, c, got);
    assert_int_equal(got[0], SIG_FALSE);
    assert_int_equal(got[1], -1);
    playbook_free(&pb);
    t_free(c);
}

/* Mark rules: what a line is to the correlation, independent of the signatures. */
static void test_mark_rules(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    assert_int_equal(pb.nmarks, 3);
    assert_string_equal(pb.marks[0].id, "pkioperation");
    assert_int_equal(pb.marks[0].line, 73);

    struct tcase *c = t_parse(&parser_w3c, ndes_iis);
    struct pb_candidates m;
    assert_true(playbook_mark_candidates(&pb, &c->src, &m));
    assert_int_equal(m.n, 2); /* not the CRP.log rule */
    assert_true(m.needs_component);
    static const enum mark want_w3c[] = { MARK_PKIOPERATION, MARK_PKIOPERATION,
                                          MARK_PKIOPERATION, MARK_NONE, MARK_NONE };
    for (size_t i = 0; i < c->ev.n; i++)
        assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[i]), want_w3c[i]);
    pb_candidates_free(&m);
    t_free(c);

    /* a W3C line has no component field: a component filter never passes there, while on
     * CMTrace it picks the NDESPlugin line only */
    c = t_parse(&parser_cmtrace, cm_mixed);
    assert_true(playbook_mark_candidates(&pb, &c->src, &m));
    assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[0]), MARK_VERIFY_SEND);
    assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[1]), MARK_NONE);
    assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[3]), MARK_NONE); /* role */
    pb_candidates_free(&m);
    t_free(c);

    expect_error_into(&pb, "marks:\n  - {message: a}\n", "t.yaml:2:5: ",
                      "a mark rule needs a 'mark'");
    expect_error_into(&pb, "marks:\n  - {mark: none, message: a}\n", "t.yaml:2:12: ",
                      "unknown mark 'none'");
    expect_error_into(&pb, "marks:\n  - {mark: getcacert, message: \"(a\"}\n", "t.yaml:2:32: ",
                      "mark rule 'getcacert': pattern for message: missing closing parenthesis");
    expect_error_into(&pb, "marks:\n  - {mark: getcacert, sources: {format: w3c}}\n",
                      "t.yaml:2:5: ", "mark rule 'getcacert' has no condition");
    assert_int_equal(pb.nmarks, 3);
    playbook_free(&pb);
}

/* A user's file adds to the loaded playbook: its signatures first, so they win. */
static void test_extra_file(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    static const char extra[] =
        "windows: {gap: 5}\n"
        "steps:\n"
        "  - {number: 2, label: l2, title: Mine}\n"
        "signatures:\n"
        "  - id: mine\n"
        "    step: 2\n"
        "    verdict: warn\n"
        "    fields: {cs-uri-query: PKIOperation}\n"
        "    explanation: x\n"
        "    fix: y\n"
        "expectations:\n"
        "  - {id: e2, step: 2, when: pkioperation, missing: [verify.call, verify.result],"
        " when_verdict: pass, verdict: warn, explanation: a, fix: b}\n"
        "marks:\n"
        "  - {mark: getcacert, fields: {cs-uri-query: PKIOperation}}\n";
    char err[512] = "";
    if (!playbook_load_string(&pb, "extra.yaml", extra, strlen(extra), err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(pb.name, "test");
    assert_int_equal(pb.nsigs, NSIGS + 1);
    assert_string_equal(pb.sigs[0].id, "mine");
    assert_string_equal(pb.sigs[0].file, "extra.yaml");
    assert_int_equal(pb.sigs[0].line, 5);
    assert_string_equal(pb.sigs[1].id, "pki-404-15");
    assert_string_equal(pb.steps[1].title, "Mine");
    assert_string_equal(pb.steps[1].summary, "s2"); /* only the keys given replace */
    assert_true(pb.win.gap == 5 && pb.win.skew_min == 0.25 && pb.win.tolerance == 1.0);
    assert_int_equal(pb.nexpects, 2);
    assert_string_equal(pb.expects[0].id, "verify-no-answer");
    assert_string_equal(pb.expects[1].id, "e2");
    assert_int_equal(pb.expects[1].nmissing, 2);
    assert_int_equal(pb.expects[1].when_verdict, VERDICT_PASS);
    assert_int_equal(pb.expects[1].if_loaded, ROLE_UNKNOWN);
    assert_int_equal(pb.nmarks, 4);
    assert_int_equal(pb.marks[0].mark, MARK_GETCACERT);
    assert_int_equal(pb.marks[1].mark, MARK_PKIOPERATION);

    struct tcase *c = t_parse(&parser_w3c, ndes_iis);
    int got[5];
    classify_all(&pb, c, got);
    assert_int_equal(got[0], 0); /* the user's signature wins over pki-404-15 */
    assert_int_equal(got[1], 0);
    assert_int_equal(got[2], 1 + SIG_OK); /* lower case: not the user's case-sensitive one */
    struct pb_candidates m;
    assert_true(playbook_mark_candidates(&pb, &c->src, &m));
    assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[0]), MARK_GETCACERT);
    assert_int_equal(playbook_mark_of(&pb, &m, &c->src, &c->ev.v[2]), MARK_PKIOPERATION);
    pb_candidates_free(&m);
    t_free(c);
    playbook_free(&pb);
}

/* \S, \w and \s know characters beyond ASCII, compiled to machine code as they are: with the
 * PCRE2 of Debian 12, a JIT-compiled \S stopped at the first of them unless the pattern used
 * Unicode properties, so a URL or a name was cut at its first accented letter. */
static void test_unicode_classes(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    static const char extra[] =
        "signatures:\n"
        "  - id: url\n"
        "    step: 2\n"
        "    verdict: info\n"
        "    message: 'Sending to (?<url>\\S+) as (?<who>\\w+)\\s(?<rest>.+)$'\n"
        "    explanation: x\n"
        "    fix: y\n";
    char err[512] = "";
    if (!playbook_load_string(&pb, "extra.yaml", extra, strlen(extra), err, sizeof err))
        fail_msg("%s", err);
    /* é (C3 A9), … (E2 80 A6) and a no-break space (C2 A0) */
    static const char text[] =
        CM("Sending to https://ndes.contoso.com/caf\xc3\xa9\xe2\x80\xa6/x as Ren\xc3\xa9\xc2\xa0"
           "done", "NDESPlugin");
    struct tcase *c = t_parse(&parser_cmtrace, text);
    struct pb_candidates cands;
    assert_true(playbook_candidates(&pb, &c->src, &cands));
    assert_int_equal(playbook_classify(&pb, &cands, &c->src, &c->ev.v[0]), 0);
    pb_candidates_free(&cands);
    char out[128];
    void *md = playbook_match_data_new(&pb);
    assert_non_null(md);
    for (int k = 0; k < 2; k++) { /* the playbook's match data, then a thread's own */
        void *use = k ? md : NULL;
        assert_true(playbook_extract(&pb, 0, &c->src, &c->ev.v[0], "url", out, sizeof out, use));
        assert_string_equal(out, "https://ndes.contoso.com/caf\xc3\xa9\xe2\x80\xa6/x");
        assert_true(playbook_extract(&pb, 0, &c->src, &c->ev.v[0], "who", out, sizeof out, use));
        assert_string_equal(out, "Ren\xc3\xa9");
        assert_true(playbook_extract(&pb, 0, &c->src, &c->ev.v[0], "rest", out, sizeof out, use));
        assert_string_equal(out, "done");
    }
    playbook_match_data_free(md);
    t_free(c);
    playbook_free(&pb);
}

/* A user's pattern that backtracks without end gives up on a long line under the match limit:
 * no match there, the rule and the first line kept for the note; short lines still match. */
static void test_match_limit(void **state)
{
    (void)state;
    struct playbook pb;
    load_full(&pb);
    static const char extra[] =
        "signatures:\n"
        "  - id: slow\n"
        "    step: 2\n"
        "    verdict: fail\n"
        "    fields: {cs-uri-query: \"^(a+)+$\"}\n"
        "    explanation: x\n"
        "    fix: y\n";
    char err[512] = "";
    if (!playbook_load_string(&pb, "slow.yaml", extra, strlen(extra), err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(pb.sigs[0].id, "slow");

    /* lines 3 and 5: 50 000 a's and a b, the worst case of ^(a+)+$ */
    size_t na = 50000, cap = 3 * na + 4096, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "#Software: IIS\n" W3C_FIELDS);
    for (int k = 0; k < 4; k++) {
        n += (size_t)snprintf(text + n, cap - n, "2016-06-10 02:44:1%d 10.1.2.20 " MSCEP, k);
        size_t len = k == 1 ? 4 : k == 3 ? 3 : na; /* lines 4 and 6: a short "aaaa" */
        memset(text + n, 'a', len);
        n += len;
        n += (size_t)snprintf(text + n, cap - n, "%s 443 - 10.1.2.30 - - 200 0 0 5\n",
                              k == 1 || k == 3 ? "" : "b");
    }
    struct tcase *c = t_parse_tz(&parser_w3c, text, n, NULL);
    free(text);
    assert_int_equal(c->ev.n, 4);

    struct pb_gave_up g[4];
    assert_int_equal(playbook_gave_up(&pb, g, 4), 0);
    int got[4];
    classify_all(&pb, c, got);
    assert_int_not_equal(got[0], 0); /* gave up: not the slow signature */
    assert_int_equal(got[1], 0);     /* "aaaa" matches it */
    assert_int_not_equal(got[2], 0);
    assert_int_equal(got[3], 0);
    assert_int_equal(playbook_gave_up(&pb, g, 4), 1);
    assert_string_equal(g[0].rule, "signature");
    assert_string_equal(g[0].id, "slow");
    assert_string_equal(g[0].field, "cs-uri-query");
    assert_string_equal(g[0].file, "slow.yaml");
    assert_int_equal(g[0].defline, 2);
    assert_string_equal(g[0].path, "test.log");
    assert_int_equal(g[0].line, 3);
    assert_int_equal(g[0].lines, 2);
    assert_non_null(g[0].why);

    /* the same with a thread's own match data and context (how the diagnosis runs) */
    struct pb_candidates sigs, marks;
    assert_true(playbook_candidates(&pb, &c->src, &sigs));
    assert_true(playbook_mark_candidates(&pb, &c->src, &marks));
    void *md = playbook_match_data_new(&pb);
    assert_non_null(md);
    for (size_t i = 4; i-- > 0;) { /* last first: the note keeps the first line anyway */
        int k;
        enum mark m;
        playbook_classify_event(&pb, &sigs, &marks, &c->src, &c->ev.v[i], md, &k, &m);
        if (i == 1 || i == 3)
            assert_int_equal(k, 0);
        else
            assert_int_not_equal(k, 0);
    }
    playbook_match_data_free(md);
    pb_candidates_free(&sigs);
    pb_candidates_free(&marks);
    assert_int_equal(playbook_gave_up(&pb, g, 4), 1);
    assert_int_equal(g[0].line, 3);
    assert_int_equal(g[0].lines, 4);
    assert_null(pb_limit_words(0));
    assert_null(pb_limit_words(-1));
    t_free(c);
    playbook_free(&pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_full_loads),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_error_syntax),
        cmocka_unit_test(test_error_signature_key),
        cmocka_unit_test(test_sync_schedule),
        cmocka_unit_test(test_error_verdict),
        cmocka_unit_test(test_error_fail_without_explanation),
        cmocka_unit_test(test_error_bad_regex),
        cmocka_unit_test(test_error_duplicate_id),
        cmocka_unit_test(test_error_step_range),
        cmocka_unit_test(test_error_unknown_role_and_mark),
        cmocka_unit_test(test_error_full_missing_step),
        cmocka_unit_test(test_error_extra_into_empty),
        cmocka_unit_test(test_failed_load_keeps_playbook),
        cmocka_unit_test(test_full_replaces),
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_literal_never_rejects_a_match),
        cmocka_unit_test(test_span_find_finds_the_first_place),
        cmocka_unit_test(test_classify_w3c_fields),
        cmocka_unit_test(test_classify_cmtrace_component),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_invalid_utf8_and_nul),
        cmocka_unit_test(test_mark_rules),
        cmocka_unit_test(test_extra_file),
        cmocka_unit_test(test_unicode_classes),
        cmocka_unit_test(test_match_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
