/* test_devcases.c - the devices' own logs in cases, with the built-in playbook: which signature
 * each line of the Android and Apple excerpts gets (and the failures' verdicts and steps), the
 * samples android-success, ios-success and ios-ra-response-invalid step by step, step 1's
 * timing by the device's platform, a request's late lines joining its attempt, and the date of
 * a log whose lines carry none. */
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include "caserun.h"
#include "datefit.h"

/* A case folder of files written here; removed by case_done. */
struct tcasedir {
    char dir[64];
};

static void case_file(struct tcasedir *c, const char *name, const char *text)
{
    if (!c->dir[0]) {
        strcpy(c->dir, "/tmp/scepscope-dev-XXXXXX");
        assert_non_null(mkdtemp(c->dir));
    }
    char path[160];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void case_done(struct tcasedir *c)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    assert_int_equal(system(cmd), 0);
}

/* The event of a file (path ending in `file`) at a line, in the diagnosed timeline. */
static size_t event_at(const struct run *r, const char *file, uint32_t line)
{
    for (size_t i = 0; i < r->b.nev; i++) {
        const struct source *s = r->b.src[r->b.ev[i].src];
        size_t n = strlen(s->path), k = strlen(file);
        if (r->b.ev[i].line == line && n >= k && strcmp(s->path + n - k, file) == 0)
            return i;
    }
    fail_msg("no event at %s:%u", file, line);
    return 0;
}

/* The id of the signature of that line, "" for none. */
static const char *sig_at(const struct run *r, const char *file, uint32_t line)
{
    const struct event *e = &r->b.ev[event_at(r, file, line)];
    return e->sig ? r->pb.sigs[e->sig - 1].id : "";
}

static const char *value_of(const struct attempt *at, const char *name)
{
    for (size_t i = 0; i < at->nvalues; i++)
        if (strcmp(at->values[i].name, name) == 0)
            return at->values[i].value;
    return NULL;
}

static const struct attempt *attempt_failing_at(const struct run *r, int step)
{
    for (size_t a = 0; a < r->d.natt; a++)
        if (r->d.att[a].failed_step == step)
            return &r->d.att[a];
    fail_msg("no attempt fails at step %d", step);
    return NULL;
}

#define OM(t, lvl, comp, msg) "2018-02-27T" t "    " lvl "    Event     " comp "    18327       10    " msg "\n"
#define CEM "com.microsoft.omadm.platforms.android.certmgr.CertificateEnrollmentManager"
#define GT "org.jscep.transport.UrlConnectionGetTransport"
#define TX "org.jscep.transaction.EnrollmentTransaction"
#define SM "com.microsoft.omadm.platforms.android.certmgr.state.NativeScepCertInstallStateMachine"
#define ROOT "com.microsoft.omadm.platforms.android.certmgr.state.NativeRootCertInstallStateMachine"

/* ---- the signatures on the Android lines -------------------------------------------------- */

static void test_android_signatures(void **state)
{
    (void)state;
    struct tcasedir c = { "" };
    /* the healthy lines of the excerpts, then failures an hour apart from each other (each is
     * an attempt of its own: no server log is given) */
    case_file(&c, "OMADM.log",
        OM("04:50:52.1890000", "INFO", ROOT, "Root cert '17\xe2\x80\xa6' state changed from CERT_INSTALL_REQUESTED to CERT_INSTALLING")
        OM("04:53:32.0390000", "INFO", ROOT, "Root cert '17\xe2\x80\xa6' state changed from CERT_INSTALLING to CERT_INSTALL_SUCCESS")
        OM("05:16:08.2500000", "VERB", CEM, "There are 1 requests")
        OM("05:16:08.2500000", "VERB", CEM, "Trying to enroll certificate request: ModelName=AC_51\xe2\x80\xa6%2FLogicalName_39907\xe2\x80\xa6;Hash=1677525787")
        OM("05:16:20.6150000", "VERB", GT, "Sending GetCACert(ca) to https://x/certsrv/mscep/mscep.dll?operation=GetCACert&message=ca")
        OM("05:16:20.6530000", "VERB", GT, "Received '200 OK' when sending GetCACert(ca) to https://x/certsrv/mscep/mscep.dll?operation=GetCACert&message=ca")
        OM("05:16:21.8220000", "VERB", "org.jscep.message.PkiMessageEncoder", "Encoding message: org.jscep.message.PkcsReq@2b06f45f[messageData=x,messageType=PKCS_REQ]")
        OM("05:16:28.0340000", "VERB", TX, "Response: org.jscep.message.CertRep@3150777b[failInfo=<null>,pkiStatus=SUCCESS,messageType=CERT_REP]")
        OM("05:16:28.2440000", "INFO", SM, "SCEP cert 'ModelName=AC_51\xe2\x80\xa6;Hash=1677525787' state changed from CERT_ENROLLED to CERT_INSTALL_REQUESTED")
        OM("05:20:15.3520000", "INFO", SM, "SCEP cert 'ModelName=AC_51\xe2\x80\xa6;Hash=1677525787' state changed from CERT_ACCESS_REQUESTED to CERT_ACCESS_GRANTED")
        OM("06:00:00.0000000", "VERB", CEM, "There are 0 requests")
        OM("07:00:00.0000000", "ERROR", GT, "Received '500 Internal Server Error' when sending GetCACaps(ca) to https://x/certsrv/mscep/mscep.dll?operation=GetCACaps&message=ca")
        OM("08:00:00.0000000", "VERB", TX, "Response: org.jscep.message.CertRep@1[failInfo=badRequest,pkiStatus=FAILURE,messageType=CERT_REP]")
        OM("09:00:00.0000000", "VERB", TX, "Response: org.jscep.message.CertRep@2[failInfo=<null>,pkiStatus=PENDING,messageType=CERT_REP]")
        OM("10:00:00.0000000", "INFO", SM, "SCEP cert 'ModelName=AC_9;Hash=1' state changed from CERT_INSTALLING to CERT_INSTALL_FAILED")
        OM("11:00:00.0000000", "INFO", ROOT, "Root cert '18' state changed from CERT_INSTALLING to CERT_INSTALL_FAILED"));
    struct run *r = run_case(c.dir, NULL);
    static const struct {
        uint32_t line;
        const char *sig;
    } want[] = {
        { 1, "android-root-cert-state" },     { 2, "android-root-cert-installed" },
        { 3, "android-requests-pending" },    { 4, "android-enroll-request" },
        { 5, "android-scep-send" },           { 6, "android-scep-http-ok" },
        { 7, "android-pkcsreq" },             { 8, "android-certrep-success" },
        { 9, "android-scep-cert-state" },     { 10, "android-scep-cert-installed" },
        { 11, "android-no-requests" },        { 12, "android-scep-http-error" },
        { 13, "android-certrep-failure" },    { 14, "android-certrep-pending" },
        { 15, "android-scep-cert-failed" },   { 16, "android-root-cert-failed" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strcmp(sig_at(r, "OMADM.log", want[i].line), want[i].sig) != 0)
            fail_msg("OMADM.log:%u: %s, expected %s", want[i].line,
                     sig_at(r, "OMADM.log", want[i].line), want[i].sig);
    /* "There are N requests" is a sync */
    assert_int_equal(r->b.ev[event_at(r, "OMADM.log", 3)].mark, MARK_DEVICE_SYNC);
    assert_int_equal(r->b.ev[event_at(r, "OMADM.log", 11)].mark, MARK_DEVICE_SYNC);
    assert_int_equal(r->b.ev[event_at(r, "OMADM.log", 4)].mark, MARK_NONE);
    /* the failures: attempts of their own, at their steps, with their values */
    const struct attempt *at = attempt_failing_at(r, 2);
    assert_string_equal(value_of(at, "status"), "500");
    assert_string_equal(value_of(at, "operation"), "GetCACaps");
    at = attempt_failing_at(r, 1);
    assert_string_equal(value_of(at, "state"), "CERT_INSTALL_FAILED");
    size_t fails6 = 0, warns6 = 0;
    for (size_t a = 0; a < r->d.natt; a++) {
        fails6 += r->d.att[a].failed_step == 6;
        warns6 += r->d.att[a].step[5].verdict == VERDICT_WARN;
        if (r->d.att[a].failed_step == 6 && value_of(&r->d.att[a], "failinfo"))
            assert_string_equal(value_of(&r->d.att[a], "failinfo"), "badRequest");
    }
    assert_int_equal(fails6, 2); /* the CertRep FAILURE and the install that failed */
    /* PENDING warns (its signature above): a warning is no attempt of its own, as a Windows
     * device's warnings are not */
    assert_int_equal(warns6, 0);
    run_free(r);
    case_done(&c);
}

/* ---- the signatures on the Apple lines ---------------------------------------------------- */

static void test_apple_signatures(void **state)
{
    (void)state;
    struct tcasedir c = { "" };
    case_file(&c, "console.txt",
        /* ios_console_success_scep_profile_installed_01.log */
        "Debug 18:30:53.691033 -0500 profiled Performing synchronous URL request: https://x/certsrv/mscep/mscep.dll?operation=GetCACert&message=SCEP%20Authority\\  \n"
        "Debug 18:30:54.640644 -0500 profiled Performing synchronous URL request: https://x/certsrv/mscep/mscep.dll?operation=GetCACaps&message=SCEP%20Authority\\ \n"
        "Debug 18:30:55.487908 -0500 profiled Performing synchronous URL request: https://x/certsrv/mscep/mscep.dll?operation=PKIOperation&message=MIAGCSqGSIb3DQEHAqCAMIACAQEx\\ \n"
        "Debug 18:30:57.285730 -0500 profiled Adding dependent Microsoft.Profiles.MDM to parent www.windowsintune.com.SCEP.ModelName=AC_51bad41f.../LogicalName_1892fe4c...;Hash=-912418295 in domain ManagedProfileToManagingProfile to system\\ \n"
        "Default 18:30:57.320616 -0500 profiled Profile \\'93www.windowsintune.com.SCEP.ModelName=AC_51bad41f.../LogicalName_1892fe4c...;Hash=-912418295\\'94 installed.\\ \n"
        "Default 18:30:58.000000 -0500 profiled Profile \\'93www.windowsintune.com.wifi.Contoso\\'94 installed.\\ \n"
        /* ios_console_fail_ra_response_invalid_01.log, with the apostrophe the source lost */
        "Error 19:30:00.000000 -0500 profiled MC: Cannot retrieve SCEP identity: NSError:\n"
        "Desc   : The Registration Authority\xe2\x80\x99s response is invalid.\n"
        /* ios_profile_install_fail_scep_invalid_response_01.log */
        "Error 20:30:00.000000 -0500 profiled Installation failed. Error: NSError:\n"
        "Desc   : Profile Installation Failed\n"
        "Sugg   : The SCEP server returned an invalid response.\n"
        "Domain : MCInstallationErrorDomain\n"
        "Code   : 4001\n"
        /* apple_fail_scep_server_rejected_challenge_expired_fleet_01.log */
        "Error 21:30:00.000000 -0500 mdmclient The SCEP server \"ndes.contoso.com\" rejected the request.\n"
        "Error 22:30:00.000000 -0500 profiled MC: Cannot retrieve SCEP identity: NSError:\n"
        "Desc   : The operation couldn't be completed.\n");
    struct run *r = run_case(c.dir, NULL);
    static const struct {
        uint32_t line;
        const char *sig;
    } want[] = {
        { 1, "apple-scep-profile-received" }, { 2, "apple-scep-request" },
        { 3, "apple-scep-request" },          { 4, "apple-scep-profile-dependent" },
        { 5, "apple-scep-profile-installed" }, { 6, "" },
        { 7, "apple-ra-response-invalid" },   { 9, "apple-scep-invalid-response" },
        { 14, "apple-scep-server-rejected" }, { 15, "apple-scep-identity-failed" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strcmp(sig_at(r, "console.txt", want[i].line), want[i].sig) != 0)
            fail_msg("console.txt:%u: %s, expected %s", want[i].line,
                     sig_at(r, "console.txt", want[i].line), want[i].sig);
    assert_int_equal(r->b.ev[event_at(r, "console.txt", 1)].mark, MARK_DEVICE_SYNC);
    /* the four failures: steps 2, 6, 4 and 2, as failure-signatures.md and the excerpts say */
    assert_int_equal(r->d.natt, 4);
    static const int steps[] = { 2, 6, 4, 2 };
    static const char *const sigs[] = { "apple-ra-response-invalid", "apple-scep-invalid-response",
                                        "apple-scep-server-rejected", "apple-scep-identity-failed" };
    for (size_t a = 0; a < 4; a++) {
        const struct attempt *at = &r->d.att[a];
        assert_int_equal(at->failed_step, steps[a]);
        const struct step_result *sr = &at->step[steps[a] - 1];
        assert_string_equal(r->pb.sigs[sr->sig].id, sigs[a]);
        assert_non_null(r->pb.sigs[sr->sig].explanation);
        assert_non_null(r->pb.sigs[sr->sig].fix);
    }
    run_free(r);
    case_done(&c);
}

/* ---- the samples: every step, step 1's timing, the late lines ---------------------------- */

static void test_android_success_sample(void **state)
{
    (void)state;
    struct run *r = run_case("samples/android-success", NULL);
    assert_int_equal(r->d.natt, 1);
    const struct attempt *at = &r->d.att[0];
    assert_verdicts(at, "PPPPPP");
    assert_string_equal(at->device, "6b1f3c2a-9d4e-4f7a-8c21-5e0b7d93a4f6");
    /* step 1: Android's schedule (steady: every 8 hours) from the sync at 05:16:08 */
    assert_non_null(strstr(at->step[0].reason, "last sync seen 2016-06-20 05:16:08 (Android)"));
    assert_non_null(strstr(at->step[0].reason, "due about 2016-06-20 13:16 UTC"));
    assert_non_null(strstr(at->step[0].reason, "Check Device Settings"));
    /* the certificate's last state, four minutes after NDES answered, is in the attempt: it
     * names the request of the attempt's "Trying to enroll" */
    assert_int_equal(diagnose_attempt_of(&r->d, event_at(r, "device/OMADM.log", 18)), 1);
    assert_string_equal(sig_at(r, "device/OMADM.log", 18), "android-scep-cert-installed");
    bool in6 = false;
    for (uint32_t k = 0; k < at->step[5].nev; k++)
        in6 |= at->step[5].ev[k] == event_at(r, "device/OMADM.log", 18);
    assert_true(in6);
    /* the root certificate's lines, 25 minutes before, are not */
    assert_int_equal(diagnose_attempt_of(&r->d, event_at(r, "device/OMADM.log", 4)), 0);
    run_free(r);
}

static void test_ios_samples(void **state)
{
    (void)state;
    struct run *r = run_case("samples/ios-success", NULL);
    assert_int_equal(r->d.natt, 1);
    const struct attempt *at = &r->d.att[0];
    assert_verdicts(at, "PPPPPP");
    /* iOS's schedule: every 6 hours */
    assert_non_null(strstr(at->step[0].reason, "last sync seen 2016-06-22 23:30:53 (iOS)"));
    assert_non_null(strstr(at->step[0].reason, "due about 2016-06-23 05:30 UTC"));
    /* the Console copy had no date: the NDES log's day, said in a note */
    const struct source *dev = r->b.src[r->b.ev[event_at(r, "device/iPhone-console.txt", 1)].src];
    assert_int_equal(dev->date_from, DATE_FROM_CASE);
    bool noted = false;
    for (unsigned k = 0; k < dev->nnotes; k++)
        noted |= strstr(dev->notes[k], "lines carry no date: the first taken as 2016-06-22") != NULL;
    assert_true(noted);
    run_free(r);

    r = run_case("samples/ios-ra-response-invalid", NULL);
    assert_int_equal(r->d.natt, 2);
    assert_verdicts(&r->d.att[1], "PF----");
    assert_int_equal(r->d.att[1].failed_step, 2);
    assert_string_equal(r->pb.sigs[r->d.att[1].step[1].sig].id, "apple-ra-response-invalid");
    /* the NDES log's GetCACert 200 of the iPhone, which no PKIOperation followed, is evidence */
    size_t getca = event_at(r, "ndes/u_ex160621.log", 28);
    assert_int_equal(diagnose_attempt_of(&r->d, getca), 2);
    /* the healthy GetCACert/GetCACaps of another iOS device at 13:32 are not */
    assert_int_equal(diagnose_attempt_of(&r->d, event_at(r, "ndes/u_ex160621.log", 12)), 0);
    assert_non_null(strstr(r->d.att[1].step[0].reason, "last sync seen 2016-06-21 15:41:18 (iOS)"));
    run_free(r);
}

/* Classified as each file loads, or by the diagnosis after: the same answer, event for event
 * (a Console copy dated by the other logs is parsed again after its first classification). */
static void test_prepared_and_not_agree(void **state)
{
    (void)state;
    static const char *const samples[] = { "samples/android-success", "samples/ios-success",
                                            "samples/ios-ra-response-invalid" };
    for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
        struct run *a = run_case_as(samples[k], NULL, true);
        struct run *b = run_case_as(samples[k], NULL, false);
        assert_int_equal(a->b.nev, b->b.nev);
        assert_int_equal(a->d.natt, b->d.natt);
        for (size_t i = 0; i < a->b.nev; i++) {
            assert_int_equal(a->b.ev[i].sig, b->b.ev[i].sig);
            assert_int_equal(a->b.ev[i].mark, b->b.ev[i].mark);
            assert_int_equal(diagnose_attempt_of(&a->d, i), diagnose_attempt_of(&b->d, i));
        }
        for (size_t t = 0; t < a->d.natt; t++)
            for (int st = 0; st < PLAYBOOK_STEPS; st++)
                assert_int_equal(a->d.att[t].step[st].verdict, b->d.att[t].step[st].verdict);
        run_free(a);
        run_free(b);
    }
}

/* ---- the date of a Console copy ----------------------------------------------------------- */

static void test_console_copy_dated(void **state)
{
    (void)state;
    static const char console[] =
        "Debug 18:30:53.691033 -0500 profiled Performing synchronous URL request: https://x/certsrv/mscep/mscep.dll?operation=GetCACert&message=SCEP%20Authority\n"
        "Debug 18:30:52.000000 -0500 profiled a line written out of order\n";
    static const char iis[] =
        "#Software: Microsoft Internet Information Services 8.5\n#Version: 1.0\n#Date: 2016-06-21 23:00:00\n"
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
        "2016-06-21 23:30:40 10.20.1.15 GET / - 443 - 10.20.0.8 - - 200 0 0 9\n"
        "2016-06-22 23:30:53 10.20.1.15 GET /certsrv/mscep/mscep.dll operation=GetCACert&message=SCEP%20Authority 443 - 10.20.0.8 profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 200 0 0 19\n"
        "2016-06-22 23:30:54 10.20.1.15 GET /certsrv/mscep/mscep.dll operation=GetCACaps&message=SCEP%20Authority 443 - 10.20.0.8 profiled/1.0+CFNetwork/811.5.4+Darwin/16.6.0 - 200 0 0 8\n";
    struct tcasedir c = { "" };
    case_file(&c, "console.txt", console);
    case_file(&c, "u_ex160622.log", iis);
    /* the case's other log: the day with two lines near */
    struct run *r = run_case(c.dir, NULL);
    size_t i = event_at(r, "console.txt", 1);
    char t[32];
    time_format_iso(r->b.ev[i].t, t);
    assert_string_equal(t, "2016-06-22T23:30:53.691Z");
    assert_int_equal(r->b.src[r->b.ev[i].src]->date_support, 2);
    /* parsed again with its date, the log is put in time order again for the merge */
    for (size_t k = 1; k < r->b.nev; k++)
        assert_true(r->b.ev[k - 1].t <= r->b.ev[k].t);
    run_free(r);
    /* --date wins */
    char err[200];
    r = calloc(1, sizeof *r);
    assert_non_null(r);
    load_builtin(&r->pb);
    assert_true(bundle_add_date(&r->b, "console.txt=2016-06-25", err, sizeof err));
    assert_false(bundle_add_date(&r->b, "console.txt=2016-02-30", err, sizeof err));
    assert_non_null(strstr(err, "is not a date like 2016-06-22"));
    assert_false(bundle_add_date(&r->b, "2016-06-25", err, sizeof err));
    assert_true(bundle_add_path(&r->b, c.dir));
    assert_true(bundle_load(&r->b));
    assert_true(diagnose_run(&r->d, &r->b, &r->pb));
    i = event_at(r, "console.txt", 1);
    time_format_iso(r->b.ev[i].t, t);
    assert_string_equal(t, "2016-06-25T23:30:53.691Z");
    assert_int_equal(r->b.src[r->b.ev[i].src]->date_from, DATE_FROM_GIVEN);
    run_free(r);
    /* alone: the file's modification time (2016-06-24 02:00 UTC: the line, 23:30 UTC, was
     * written the day before) */
    struct tcasedir c2 = { "" };
    case_file(&c2, "console.txt", console);
    char path[160];
    snprintf(path, sizeof path, "%s/console.txt", c2.dir);
    struct utimbuf ut = { 1466733600, 1466733600 }; /* 2016-06-24T02:00:00Z */
    assert_int_equal(utime(path, &ut), 0);
    r = run_case(c2.dir, NULL);
    time_format_iso(r->b.ev[1].t, t);
    assert_string_equal(t, "2016-06-23T23:30:53.691Z");
    assert_int_equal(r->b.src[0]->date_from, DATE_FROM_MTIME);
    run_free(r);
    case_done(&c);
    case_done(&c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_android_signatures),
        cmocka_unit_test(test_apple_signatures),
        cmocka_unit_test(test_android_success_sample),
        cmocka_unit_test(test_ios_samples),
        cmocka_unit_test(test_prepared_and_not_agree),
        cmocka_unit_test(test_console_copy_dated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
