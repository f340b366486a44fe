/* test_diagnose.c - attempts, verdicts, clock offsets and GUID filters on real case folders
 * (samples/) and on small cases written here, with the built-in playbook. */
#include <sys/stat.h>
#include <unistd.h>

#include "caserun.h"

static void test_success_case_one_attempt_all_steps(void **state)
{
    (void)state;
    struct run *r = run_case("samples/hybrid-success", NULL);
    assert_int_equal(r->d.natt, 1);
    const struct attempt *at = &r->d.att[0];
    assert_verdicts(at, "PPPPPP");
    assert_int_equal(at->failed_step, 0);
    assert_string_equal(at->device, "38fdb94d-db5c-468d-b8d6-37aff538e934");
    assert_string_equal(at->user, "4514c247-96e3-4c6e-9d60-806ac5fa7e2f");
    /* steps 1 and 6 from the device's events; step 1 says when the device syncs next */
    assert_non_null(strstr(at->step[0].reason, "last sync seen 2016-06-10 02:44:03 (Windows)"));
    assert_non_null(strstr(at->step[0].reason, "due about 2016-06-10 10:44 UTC"));
    /* the schedule comes from the playbook */
    assert_true(r->pb.sync[PB_SYNC_WINDOWS].given);
    assert_true(r->pb.sync[PB_SYNC_WINDOWS].steady == 28800);
    assert_true(r->pb.sync[PB_SYNC_IOS].first == 900);
    /* every line of the six logs from 02:44:03 on belongs to the attempt */
    size_t in = 0;
    for (size_t i = 0; i < r->b.nev; i++)
        in += diagnose_attempt_of(&r->d, i) == 1;
    /* all but the 02:31:40 probe of "/", the CA's two other rows and the store's old
     * certificate */
    assert_int_equal(in, r->b.nev - 4);
    /* no clock offset where the clocks agree */
    assert_int_equal(r->d.clock[ROLE_CRP].offset_us, 0);
    assert_true(r->d.clock[ROLE_CRP].known);
    run_free(r);
}

static void test_failure_samples_fail_at_their_step(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int step;
        const char *why; /* signature or expectation id */
    } cases[] = {
        { "samples/step2-query-too-long", 2, "ndes-pkioperation-404-15" },
        { "samples/step2-500-impersonation", 2, "ndes-500-impersonation" },
        { "samples/step3-crp-tls-12175", 3, "plugin-cert-cn-invalid" },
        { "samples/step3-crp-no-answer", 3, "crp-never-received-verify" },
        { "samples/step4-challenge-false", 4, "crp-phase-false" },
        { "samples/step4-crp-403-client-cert", 4, "crp-iis-verify-error" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct run *r = run_case(cases[c].path, NULL);
        assert_true(r->d.natt >= 2);
        const struct attempt *last = &r->d.att[r->d.natt - 1];
        if (last->failed_step != cases[c].step)
            fail_msg("%s: failed step %d, expected %d", cases[c].path, last->failed_step,
                     cases[c].step);
        const struct step_result *sr = &last->step[cases[c].step - 1];
        const char *id = sr->sig >= 0 ? r->pb.sigs[sr->sig].id : r->pb.expects[sr->expect].id;
        if (strcmp(id, cases[c].why) != 0)
            fail_msg("%s: decided by %s, expected %s", cases[c].path, id, cases[c].why);
        /* the earlier healthy attempt in the same logs did not fail */
        assert_int_equal(r->d.att[0].failed_step, 0);
        run_free(r);
    }
}

static void test_busy_day_skew_and_two_failures(void **state)
{
    (void)state;
    struct run *r = run_case("samples/busy-day", NULL);
    size_t failed = 0;
    int steps[2] = { 0, 0 };
    for (size_t i = 0; i < r->d.natt; i++) {
        if (r->d.att[i].failed_step) {
            if (failed < 2)
                steps[failed] = r->d.att[i].failed_step;
            failed++;
        }
    }
    assert_int_equal(failed, 2);
    assert_int_equal(steps[0], 4); /* 10:14, challenge false */
    assert_int_equal(steps[1], 2); /* 15:43, 404.15 */
    /* the CRP server runs 3.2 s behind: both of its logs are moved forward by about that */
    for (int role = ROLE_CRP_IIS; role <= ROLE_CRP; role += ROLE_CRP - ROLE_CRP_IIS) {
        int64_t off = r->d.clock[role].offset_us;
        if (off < 2700000 || off > 3700000)
            fail_msg("%s offset %lld us, expected about +3.2 s", role_name((enum role)role),
                     (long long)off);
    }
    assert_int_equal(r->d.clock[ROLE_NDESPLUGIN].offset_us, 0);
    /* 38 healthy attempts with all of steps 2 to 5 */
    size_t healthy = 0;
    for (size_t i = 0; i < r->d.natt; i++)
        healthy += r->d.att[i].failed_step == 0 && r->d.att[i].step[3].verdict == VERDICT_PASS &&
                   r->d.att[i].step[4].verdict == VERDICT_PASS;
    assert_int_equal(healthy, 38);
    run_free(r);
}

/* Adds secs to every time="HH:MM:SS..." of a CMTrace log, in place (no line near midnight). */
static void cmtrace_shift(const char *path, int secs)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof buf - 1);
    buf[n] = 0;
    for (char *p = buf; (p = strstr(p, "time=\"")) != NULL; p += 14) {
        int h = atoi(p + 6), m = atoi(p + 9), sec = atoi(p + 12) + h * 3600 + m * 60 + secs;
        assert_true(sec >= 0 && sec < 86400);
        char t[16];
        snprintf(t, sizeof t, "%02d:%02d:%02d", sec / 3600 % 100, sec / 60 % 60, sec % 60);
        memcpy(p + 6, t, 8);
    }
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

/* Clocks on both sides at once: busy-day's CRP server 3.2 s behind NDES, and here its
 * NDESPlugin.log 40 s ahead. Each is measured and its lines moved (the CRP's to later places,
 * NDESPlugin's to earlier ones), and the case comes out as it does with NDESPlugin's own
 * clock: the same attempts, verdicts and evidence, the timeline in order. */
static void test_clocks_behind_and_ahead(void **state)
{
    (void)state;
    char dir[] = "/tmp/scepscope-clocks-XXXXXX", cmd[256], path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cp -r samples/busy-day/. '%s'/", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/ndes/NDESPlugin.log", dir);
    cmtrace_shift(path, 40);
    struct run *a = run_case("samples/busy-day", NULL), *r = run_case(dir, NULL);
    int64_t off = r->d.clock[ROLE_NDESPLUGIN].offset_us;
    if (off < -40500000 || off > -39500000)
        fail_msg("NDESPlugin offset %lld us, expected about -40 s", (long long)off);
    for (int role = ROLE_CRP_IIS; role <= ROLE_CRP; role += ROLE_CRP - ROLE_CRP_IIS) {
        off = r->d.clock[role].offset_us;
        if (off < 2700000 || off > 3700000)
            fail_msg("%s offset %lld us, expected about +3.2 s", role_name((enum role)role),
                     (long long)off);
    }
    for (size_t i = 1; i < r->b.nev; i++)
        assert_true(r->b.ev[i - 1].t <= r->b.ev[i].t);
    assert_int_equal(r->b.nev, a->b.nev);
    assert_int_equal(r->d.natt, a->d.natt);
    assert_int_equal(r->d.nx, a->d.nx);
    for (size_t t = 0; t < a->d.natt; t++) {
        assert_int_equal(r->d.att[t].failed_step, a->d.att[t].failed_step);
        for (int st = 0; st < PLAYBOOK_STEPS; st++) {
            assert_int_equal(r->d.att[t].step[st].verdict, a->d.att[t].step[st].verdict);
            assert_int_equal(r->d.att[t].step[st].nev, a->d.att[t].step[st].nev);
        }
    }
    /* every line of an exchange finds its way back to it, and its attempt */
    size_t in = 0, ina = 0;
    for (size_t i = 0; i < r->b.nev; i++) {
        in += diagnose_attempt_of(&r->d, i) != 0;
        ina += diagnose_attempt_of(&a->d, i) != 0;
    }
    assert_int_equal(in, ina);
    run_free(a);
    run_free(r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The same diagnosis, event for event and attempt for attempt. */
static void assert_same_diagnosis(const struct run *a, const struct run *b, const char *what)
{
    if (a->b.nev != b->b.nev || a->d.natt != b->d.natt || a->d.nx != b->d.nx)
        fail_msg("%s: %zu/%zu events, %zu/%zu attempts, %zu/%zu exchanges", what, a->b.nev,
                 b->b.nev, a->d.natt, b->d.natt, a->d.nx, b->d.nx);
    for (size_t i = 0; i < a->b.nev; i++) {
        const struct event *x = &a->b.ev[i], *y = &b->b.ev[i];
        if (x->t != y->t || x->src != y->src || x->line != y->line || x->sig != y->sig ||
            x->mark != y->mark || x->xchg != y->xchg || x->flags != y->flags)
            fail_msg("%s: event %zu differs (line %u: sig %u/%u mark %u/%u exchange %u/%u)",
                     what, i, x->line, x->sig, y->sig, x->mark, y->mark, x->xchg, y->xchg);
    }
    for (size_t i = 0; i < a->d.natt; i++) {
        const struct attempt *x = &a->d.att[i], *y = &b->d.att[i];
        assert_int_equal(x->start, y->start);
        assert_int_equal(x->end, y->end);
        assert_int_equal(x->failed_step, y->failed_step);
        assert_string_equal(x->device, y->device);
        assert_string_equal(x->user, y->user);
        for (int s = 0; s < PLAYBOOK_STEPS; s++) {
            assert_int_equal(x->step[s].verdict, y->step[s].verdict);
            assert_int_equal(x->step[s].nev, y->step[s].nev);
            assert_int_equal(x->step[s].sig, y->step[s].sig);
        }
    }
}

/* Classifying each file as it is loaded, and noting there what the preamble scan asks of the
 * GetCA lines, changes nothing: the same as the diagnosis classifying and reading everything
 * itself, and the same again when the diagnosis runs a second time on the loaded case (the
 * notes are used up by then). busy-day holds 2726 GetCA polls. */
static void test_loading_classifies_as_the_diagnosis_would(void **state)
{
    (void)state;
    static const char *const cases[] = { "samples/busy-day", "samples/hybrid-success",
                                         "samples/step2-device-404", "samples/step5-ca-denied" };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct run *plain = run_case_as(cases[c], NULL, false);
        struct run *prep = run_case_as(cases[c], NULL, true);
        size_t noted = 0;
        for (size_t i = 0; i < prep->b.nsrc; i++)
            noted += prep->b.src[i]->classified_by == (const void *)&prep->pb;
        assert_int_equal(noted, bundle_readable(&prep->b));
        assert_same_diagnosis(plain, prep, cases[c]);
        diagnose_free(&prep->d);
        assert_true(diagnose_run(&prep->d, &prep->b, &prep->pb));
        assert_same_diagnosis(plain, prep, cases[c]);
        run_free(plain);
        run_free(prep);
    }
}

static void test_guid_filter_selects_whole_attempts(void **state)
{
    (void)state;
    struct run *r = run_case("samples/busy-day", NULL);
    /* prefix, any case */
    assert_int_equal(diagnose_select(&r->d, "1F2E3D4C", NULL), 1);
    const struct attempt *sel = NULL;
    for (size_t i = 0; i < r->d.natt; i++)
        if (r->d.att[i].selected)
            sel = &r->d.att[i];
    assert_non_null(sel);
    assert_int_equal(sel->failed_step, 4);
    /* the attempt holds lines of all four logs, though only CRP.log names the device */
    bool roles[ROLE_CONFIGMGR + 1] = { false };
    for (size_t i = 0; i < r->b.nev; i++)
        if (diagnose_attempt_of(&r->d, i) == sel->id)
            roles[r->b.src[r->b.ev[i].src]->role] = true;
    assert_true(roles[ROLE_NDES_IIS] && roles[ROLE_NDESPLUGIN] && roles[ROLE_CRP_IIS] &&
                roles[ROLE_CRP]);
    assert_int_equal(diagnose_select(&r->d, NULL, "0a1b2c3d-4e5f"), 1);
    assert_int_equal(diagnose_select(&r->d, "1f2e", "ffff"), 0);
    assert_int_equal(diagnose_select(&r->d, NULL, NULL), r->d.natt);
    run_free(r);
}

static void test_skew_best(void **state)
{
    (void)state;
    int64_t best = 42;
    /* everyone agrees that no offset is needed */
    int64_t lo1[] = { -500000, -200000, -900000 }, hi1[] = { 300000, 100000, 50000 };
    assert_int_equal(skew_best(lo1, hi1, 3, &best), 3);
    assert_int_equal(best, 0);
    /* a clock 3.2 s behind: the pairs agree on [3.1, 3.3]; one wrong pair elsewhere */
    int64_t lo2[] = { 3000000, 3100000, 2900000, -7000000 }, hi2[] = { 3300000, 3400000, 3350000, -6000000 };
    assert_int_equal(skew_best(lo2, hi2, 4, &best), 3);
    assert_int_equal(best, 3200000);
    /* nothing feasible */
    int64_t lo3[] = { 5 }, hi3[] = { 4 };
    assert_int_equal(skew_best(lo3, hi3, 1, &best), 0);
}

/* Every line's signature and mark, however the loading's memo and the classification's
 * table of answers reached them, are those its rules give when tried one by one. */
static void assert_rules_agree(const struct run *r, const char *what)
{
    size_t n = r->b.nsrc;
    struct pb_candidates *sc = calloc(n, sizeof *sc), *mc = calloc(n, sizeof *mc);
    assert_true(sc && mc);
    for (size_t i = 0; i < n; i++) {
        if (r->b.src[i]->skipped || !r->b.src[i]->parser)
            continue;
        assert_true(playbook_candidates(&r->pb, r->b.src[i], &sc[i]));
        assert_true(playbook_mark_candidates(&r->pb, r->b.src[i], &mc[i]));
    }
    for (size_t i = 0; i < r->b.nev; i++) {
        const struct event *e = &r->b.ev[i];
        const struct source *s = r->b.src[e->src];
        int k = playbook_classify(&r->pb, &sc[e->src], s, e);
        enum mark m = playbook_mark_of(&r->pb, &mc[e->src], s, e);
        if (e->sig != (uint16_t)(k + 1) || e->mark != m)
            fail_msg("%s: %s line %u: signature %d mark %d, its rules give %d and %d", what,
                     s->path, e->line, (int)e->sig - 1, e->mark, k, m);
    }
    for (size_t i = 0; i < n; i++) {
        pb_candidates_free(&sc[i]);
        pb_candidates_free(&mc[i]);
    }
    free(sc);
    free(mc);
}

/* On the samples; and on an NDES IIS log whose second #Fields swaps the stem and the query,
 * so that a GetCACert line's bytes from its first read column to its last come again meaning
 * other fields, with lines repeated (some at a time with a fraction of a second), and a CRP.log
 * whose messages repeat under different components. */
static void test_memo_answers_as_the_rules_do(void **state)
{
    (void)state;
    static const char *const cases[] = { "samples/busy-day", "samples/hybrid-success",
                                         "samples/step2-device-404", "samples/step4-challenge-false",
                                         "samples/android-success" };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct run *r = run_case(cases[c], NULL);
        assert_rules_agree(r, cases[c]);
        run_free(r);
    }
    char dir[] = "/tmp/scepscope-memo-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/u_ex160622.log", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    static const char get[] = "/certsrv/mscep/mscep.dll operation=GetCACert&message=ca 443 - "
                              "10.0.0.9 UA/1 - 200 0 0";
    fputs("#Software: Microsoft Internet Information Services 8.5\n#Version: 1.0\n"
          "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
          "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n", f);
    fprintf(f, "2016-06-22 10:00:01 10.0.0.1 GET %s 5\n", get);
    fprintf(f, "2016-06-22 10:00:02.250 10.0.0.1 GET %s 7\n", get);
    fprintf(f, "2016-06-22 10:00:03 10.0.0.1 GET %s 9\n", get);
    fprintf(f, "2016-06-22 10:00:04 10.0.0.1 GET /certsrv/mscep/mscep.dll "
               "operation=GetCACert&message=ca 443 - 10.0.0.9 UA/1 - 500 0 0 3\n");
    fputs("#Fields: date time s-ip cs-method cs-uri-query cs-uri-stem s-port cs-username c-ip "
          "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n", f);
    fprintf(f, "2016-06-22 10:00:05 10.0.0.1 GET %s 5\n", get);
    fprintf(f, "2016-06-22 10:00:06 10.0.0.1 GET / - 443 - 10.0.0.9 UA/1 - 200 0 0 5\n");
    fclose(f);
    snprintf(path, sizeof path, "%s/CRP.log", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 6; i++)
        fprintf(f, "<![LOG[%s]LOG]!><time=\"10:00:0%d.000+00\" date=\"06-22-2016\" "
                   "component=\"%s\" context=\"\" type=\"1\" thread=\"7\" file=\"\">\r\n",
                i % 2 ? "Verify challenge returns true" : "Validation Phase 1 started.", i,
                i < 3 ? "CertificateRegistrationPoint" : "Other");
    fclose(f);
    struct run *r = run_case(dir, NULL);
    assert_rules_agree(r, dir);
    /* the same bytes under the second layout are no GetCACert: its stem is the query */
    size_t got = 0, none = 0;
    for (size_t i = 0; i < r->b.nev; i++) {
        const struct event *e = &r->b.ev[i];
        if (strstr(r->b.src[e->src]->path, "u_ex") && e->line >= 4 && e->line <= 6)
            got += e->mark == MARK_GETCACERT;
        if (strstr(r->b.src[e->src]->path, "u_ex") && e->line == 9)
            none += e->mark == MARK_NONE;
    }
    assert_int_equal(got, 3);
    assert_int_equal(none, 1);
    run_free(r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A Notify is tied to the VerifyRequest before it within the playbook's notify_after window:
 * the window lives in the playbook, so an extra file can widen it. */
static void write_plugin_log(const char *dir, int notify_after_s)
{
    char path[256];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/NDESPlugin.log", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
#define L(msg, t, th) fprintf(f, "<![LOG[%s]LOG]!><time=\"%s+00\" date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"%d\" file=\"x.cpp:1\">\r\n", msg, t, th)
    L("Calling VerifyRequest ...", "02:44:11.789", 2900);
    L("Sending request to certificate registration point.", "02:44:11.789", 2900);
    L("Verify challenge returns true", "02:44:12.200", 2900);
    L("Exiting VerifyRequest with 0x0", "02:44:12.200", 2900);
    char t[32];
    snprintf(t, sizeof t, "02:%02d:%02d.270", 44 + (12 + notify_after_s) / 60, (12 + notify_after_s) % 60);
    L("Calling Notifyrequest ...", t, 3088);
    L("Exiting Notify with 0x0", t, 3088);
#undef L
    fclose(f);
}

static void test_notify_window_from_playbook(void **state)
{
    (void)state;
    char dir[] = "/tmp/scepscope-notify-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_plugin_log(dir, 90); /* Notify 90 s after the VerifyRequest */
    struct run *r = run_case(dir, NULL);
    assert_int_equal(r->d.natt, 2); /* beyond the built-in 60 s: two attempts */
    run_free(r);
    r = run_case(dir, "windows: { notify_after: 120 }\n");
    assert_int_equal(r->d.natt, 1);
    assert_verdicts(&r->d.att[0], "--PPP-");
    run_free(r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Adds secs to every packet time of a little-endian pcapng file, in place: the capture of a
 * device whose clock runs ahead. Knows the interface's time resolution (if_tsresol 6 or 9). */
static void pcapng_shift(const char *path, int64_t secs)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    assert_true(n > 0 && n < sizeof buf);
    uint64_t unit = 1000000; /* ticks per second */
    size_t shifted = 0;
    for (size_t off = 0; off + 12 <= n;) {
        uint32_t type, len;
        memcpy(&type, buf + off, 4);
        memcpy(&len, buf + off + 4, 4);
        assert_true(len >= 12 && off + len <= n);
        if (type == 1) { /* interface description: options after 16 bytes */
            for (size_t o = off + 16; o + 4 <= off + len - 4;) {
                uint16_t code, ol;
                memcpy(&code, buf + o, 2);
                memcpy(&ol, buf + o + 2, 2);
                if (code == 0)
                    break;
                if (code == 9) {
                    assert_true(buf[o + 4] == 6 || buf[o + 4] == 9);
                    unit = buf[o + 4] == 9 ? 1000000000u : 1000000u;
                }
                o += 4 + (((size_t)ol + 3) & ~(size_t)3);
            }
        } else if (type == 6) { /* enhanced packet: time high and low words at 12 and 16 */
            uint32_t hi, lo;
            memcpy(&hi, buf + off + 12, 4);
            memcpy(&lo, buf + off + 16, 4);
            uint64_t ts = ((uint64_t)hi << 32 | lo) + (uint64_t)secs * unit;
            hi = (uint32_t)(ts >> 32);
            lo = (uint32_t)ts;
            memcpy(buf + off + 12, &hi, 4);
            memcpy(buf + off + 16, &lo, 4);
            shifted++;
        }
        off += len;
    }
    assert_true(shifted > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The device's capture is a clock of its own: its conversations hold the requests the NDES IIS
 * log shows, which tells how far its clock is off. A device 75 s ahead is put back, and its
 * conversations are the attempt's again; the failed tries of a device that never got through
 * tell nothing of its clock, and are one attempt, not one per try. */
static void test_capture_clock_and_retries(void **state)
{
    (void)state;
    char dir[] = "/tmp/scepscope-capclock-XXXXXX", cmd[256];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cp -r samples/hybrid-success/ndes samples/hybrid-success/capture "
                              "'%s'/", dir);
    assert_int_equal(system(cmd), 0);
    char cap[128];
    snprintf(cap, sizeof cap, "%s/capture/device.pcapng", dir);
    pcapng_shift(cap, 75);
    struct run *r = run_case(dir, NULL);
    const struct clock *c = &r->d.clock[ROLE_CAPTURE];
    assert_true(c->known);
    assert_int_equal(c->against, ROLE_NDES_IIS);
    if (c->offset_us > -74000000 || c->offset_us < -76000000)
        fail_msg("capture offset %lld us, expected about -75 s", (long long)c->offset_us);
    assert_int_equal(r->d.natt, 1);
    assert_verdicts(&r->d.att[0], "-PPPP-");
    size_t conv = 0;
    for (size_t i = 0; i < r->d.nx; i++)
        conv += r->d.x[i].kind == X_CAPTURE_CONV && r->d.x[i].attempt == 1;
    assert_int_equal(conv, 3);
    run_free(r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);

    r = run_case("samples/step2-tls-alert", NULL);
    assert_false(r->d.clock[ROLE_CAPTURE].known);
    assert_int_equal(r->d.natt, 2);
    assert_verdicts(&r->d.att[0], "-P----");
    assert_verdicts(&r->d.att[1], "-F----");
    assert_int_equal(r->d.att[1].step[1].nev, 15); /* the three tries, five lines each */
    run_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_case_one_attempt_all_steps),
        cmocka_unit_test(test_failure_samples_fail_at_their_step),
        cmocka_unit_test(test_busy_day_skew_and_two_failures),
        cmocka_unit_test(test_clocks_behind_and_ahead),
        cmocka_unit_test(test_loading_classifies_as_the_diagnosis_would),
        cmocka_unit_test(test_memo_answers_as_the_rules_do),
        cmocka_unit_test(test_guid_filter_selects_whole_attempts),
        cmocka_unit_test(test_skew_best),
        cmocka_unit_test(test_notify_window_from_playbook),
        cmocka_unit_test(test_capture_clock_and_retries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
