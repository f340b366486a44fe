/* test_castore.c - the CA database's rows and the device's certificates joined to attempts:
 * the attempt's window (with the CA clock's slack), the requester NDES uses, the serial
 * number or thumbprint, and the verdicts of steps 5 and 6 they give. */
#include <sys/stat.h>
#include <unistd.h>

#include "caserun.h"
#include "castore.h"

static const char *decided_by(const struct run *r, const struct step_result *sr)
{
    return sr->sig >= 0 ? r->pb.sigs[sr->sig].id
                        : sr->expect >= 0 ? r->pb.expects[sr->expect].id : "";
}

/* The attempt of the event at line `line` of the file whose path ends with `tail`. */
static uint32_t attempt_of_line(const struct run *r, const char *tail, uint32_t line)
{
    for (size_t i = 0; i < r->b.nev; i++) {
        const struct event *e = &r->b.ev[i];
        const char *p = r->b.src[e->src]->path;
        size_t n = strlen(p), k = strlen(tail);
        if (e->line == line && n >= k && strcmp(p + n - k, tail) == 0)
            return diagnose_attempt_of(&r->d, i);
    }
    fail_msg("no event at %s:%u", tail, line);
    return 0;
}

static void test_samples(void **state)
{
    (void)state;
    struct run *r = run_case("samples/step5-ca-denied-certutil", NULL);
    assert_int_equal(r->d.natt, 1);
    assert_int_equal(r->d.att[0].failed_step, 5);
    assert_string_equal(decided_by(r, &r->d.att[0].step[4]), "ca-request-denied");
    assert_int_equal(attempt_of_line(r, "ca/certutil-view.txt", 45), 1);
    run_free(r);

    r = run_case("samples/step6-not-in-store", NULL);
    assert_int_equal(r->d.natt, 1);
    assert_int_equal(r->d.att[0].step[4].verdict, VERDICT_PASS);
    assert_int_equal(r->d.att[0].failed_step, 6);
    assert_string_equal(decided_by(r, &r->d.att[0].step[5]), "cert-not-in-store");
    run_free(r);

    r = run_case("samples/hybrid-success", NULL);
    assert_int_equal(r->d.att[0].step[5].verdict, VERDICT_PASS);
    /* the request's row and the certificate with its serial join; the other rows (another
     * requester at 02:41, an earlier device at 01:12) and the store's old certificate not */
    assert_int_equal(attempt_of_line(r, "ca/certutil-view.txt", 45), 1);
    assert_int_equal(attempt_of_line(r, "ca/certutil-view.txt", 31), 0);
    assert_int_equal(attempt_of_line(r, "ca/certutil-view.txt", 17), 0);
    assert_int_equal(attempt_of_line(r, "device/certutil-user-store.txt", 16), 1);
    assert_int_equal(attempt_of_line(r, "device/certutil-user-store.txt", 2), 0);
    assert_int_equal(attempt_of_line(r, "device/jsmith-IntuneSCEP.pem", 1), 1);
    run_free(r);
}

static const char plugin[] =
    "<![LOG[Calling VerifyRequest ...]LOG]!><time=\"02:44:11.789+00\" date=\"06-10-2016\" "
    "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"a.cpp:1\">\n"
    "<![LOG[Sending request to certificate registration point.]LOG]!><time=\"02:44:11.789+00\" "
    "date=\"06-10-2016\" component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" "
    "file=\"a.cpp:2\">\n"
    "<![LOG[Verify challenge returns true]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" "
    "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"a.cpp:3\">\n"
    "<![LOG[Exiting VerifyRequest with 0x0]LOG]!><time=\"02:44:12.200+00\" date=\"06-10-2016\" "
    "component=\"NDESPlugin\" context=\"\" type=\"1\" thread=\"2900\" file=\"a.cpp:4\">\n";

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A CSV export: the row inside the window but by another requester loses to NDES's row
 * two minutes off (the CA's clock); a row beyond the slack joins nothing; the certificate is
 * matched by its thumbprint written with spaces and capitals, and was not yet valid. */
static void test_window_requester_thumbprint(void **state)
{
    (void)state;
    char dir[] = "/tmp/scepscope-castore-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "NDESPlugin.log", plugin);
    write_file(dir, "view.csv",
               "\"Issued Request ID\",\"Requester Name\",\"Request Disposition\","
               "\"Request Submission Date\",\"Serial Number\",\"Certificate Hash\"\n"
               "\"1230\",\"CONTOSO\\svc-ndes\",\"20 -- Issued\",\"6/10/2016 2:30 AM\",\"0a\",\"aa\"\n"
               "\"1232\",\"CONTOSO\\svc-ndes\",\"20 -- Issued\",\"6/10/2016 2:40 AM\",\"0e\",\"ee\"\n"
               "\"1233\",\"CONTOSO\\alice\",\"20 -- Issued\",\"6/10/2016 2:44 AM\",\"0b\",\"bb\"\n"
               "\"1234\",\"CONTOSO\\svc-ndes\",\"20 -- Issued\",\"6/10/2016 2:46 AM\",\"0c\","
               "\"ab cd ef\"\n"
               "\"1235\",\"CONTOSO\\svc-ndes\",\"20 -- Issued\",\"6/10/2016 1:00 AM\",\"0d\",\"dd\"\n");
    write_file(dir, "store.txt",
               "My \"Personal\"\n"
               "================ Certificate 0 ================\n"
               "Serial Number: 99\n"
               "Issuer: CN=CA\n"
               " NotBefore: 6/10/2016 3:30 AM\n"
               " NotAfter: 6/10/2017 3:30 AM\n"
               "Subject: CN=jsmith\n"
               "Cert Hash(sha1): AB CD EF\n"
               "CertUtil: -store command completed successfully.\n");
    struct run *r = run_case(dir, NULL);
    assert_int_equal(r->d.natt, 1);
    /* NDES's account is the requester most rows near the attempt share (svc-ndes: two);
     * of its rows the nearest joins (02:46, not 02:40), not alice's at 02:44 */
    assert_int_equal(attempt_of_line(r, "view.csv", 5), 1);
    assert_int_equal(attempt_of_line(r, "view.csv", 4), 0); /* alice */
    assert_int_equal(attempt_of_line(r, "view.csv", 3), 0); /* 02:40: farther */
    assert_int_equal(attempt_of_line(r, "view.csv", 2), 0); /* 02:30: beyond the slack */
    assert_int_equal(attempt_of_line(r, "view.csv", 6), 0);
    assert_int_equal(attempt_of_line(r, "store.txt", 2), 1);
    assert_int_equal(r->d.att[0].step[4].verdict, VERDICT_PASS);
    assert_int_equal(r->d.att[0].step[5].verdict, VERDICT_FAIL);
    assert_string_equal(decided_by(r, &r->d.att[0].step[5]), "cert-not-yet-valid");
    run_free(r);

    /* the same row denied: step 5 fails with the denial, the store is not looked at */
    write_file(dir, "view.csv",
               "\"Issued Request ID\",\"Requester Name\",\"Request Disposition\","
               "\"Request Disposition Message\",\"Request Submission Date\"\n"
               "\"1234\",\"CONTOSO\\svc-ndes\",\"31 -- Denied\",\"Denied by Policy Module\","
               "\"2016-06-10 02:44:00\"\n");
    r = run_case(dir, NULL);
    assert_int_equal(r->d.att[0].failed_step, 5);
    assert_string_equal(decided_by(r, &r->d.att[0].step[4]), "ca-request-denied");
    assert_int_equal(attempt_of_line(r, "store.txt", 2), 0);
    run_free(r);

    /* pending: a warning, and the step does not fail */
    write_file(dir, "view.csv",
               "\"Issued Request ID\",\"Requester Name\",\"Request Disposition\","
               "\"Request Submission Date\"\n"
               "\"1234\",\"CONTOSO\\svc-ndes\",\"9 -- Pending\",\"6/10/2016 2:44 AM\"\n");
    r = run_case(dir, NULL);
    assert_int_equal(r->d.att[0].step[4].verdict, VERDICT_WARN);
    assert_string_equal(decided_by(r, &r->d.att[0].step[4]), "ca-request-pending");
    run_free(r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_norm_hex(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(castore_norm_hex("3A 00 0F", 8, out, sizeof out), 6);
    assert_string_equal(out, "3a000f");
    assert_int_equal(castore_norm_hex("00:ab:CD", 8, out, sizeof out), 4);
    assert_string_equal(out, "abcd");
    assert_int_equal(castore_norm_hex("EMPTY", 5, out, sizeof out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_window_requester_thumbprint),
        cmocka_unit_test(test_norm_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
