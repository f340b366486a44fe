/* test_certutil.c - the CA database (certutil -view, text and CSV), certificate stores
 * (certutil -store) and certificate files (PEM, DER): fields, times, and the nasty cases
 * (a row cut short, UTF-16 output, dates of other locales, garbage around PEM blocks, a DER
 * file cut short, a PEM block that is not a certificate). */
#include <unistd.h>

#include "testutil.h"
#include "bundle.h"

extern const struct parser parser_certutil_view;
extern const struct parser parser_certutil_store;

static bool has_note(const struct source *s, const char *needle)
{
    for (unsigned i = 0; i < s->nnotes; i++)
        if (strstr(s->notes[i], needle))
            return true;
    return false;
}

static const char view_text[] =
    "Schema:\n"
    "  Column Name                   Localized Name                Type    MaxLength\n"
    "  ----------------------------  ----------------------------  ------  ---------\n"
    "  RequestID                     Issued Request ID             Long    4 -- Indexed\n"
    "\n"
    "Row 1:\n"
    "  Issued Request ID: 0x8\n"
    "  Request Disposition: 0x1f (31) -- Denied\n"
    "  Request Disposition Message: \"Denied by Policy Module\"\n"
    "  Request Submission Date: 9/9/2026 8:08 PM\n"
    "  Request Resolution Date: 9/9/2026 8:08 PM\n"
    "  Certificate Effective Date: 9/9/2026 7:58 PM\n"
    "  Certificate Expiration Date: 9/9/2028 8:08 PM\n"
    "  Issued Common Name: \"jsmith\"\n"
    "\n"
    "Row 2:\n"
    "  Issued Request ID: 0x4d2 (1234)\n"
    "  Requester Name: \"CONTOSO\\svc-ndes\"\n"
    "  Request Disposition: 0x14 (20) -- Issued\n"
    "  Request Submission Date: 9/9/2026 12:20 AM\n"
    "  Certificate Template: \"1.3.6.1.4.1.311.21.8.1.2\"\n"
    "  Serial Number: \"3a0015\"\n"
    "  Certificate Hash: \"ab cd\"\n"
    "\n"
    "Maximum Row Index: 2\n"
    "\n"
    "2 Rows\n"
    "CertUtil: -view command completed successfully.\n";

static void test_view_text(void **state)
{
    (void)state;
    assert_true(parser_certutil_view.sniff(view_text, sizeof view_text - 1) > 50);
    struct tcase *c = t_parse(&parser_certutil_view, view_text);
    assert_int_equal(c->src.role, ROLE_CA_DB);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->ev.v[0].line, 6);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_string_equal(t_time(c, 0), "2026-09-09T20:08:00.000Z");
    assert_string_equal(t_time(c, 1), "2026-09-09T00:20:00.000Z"); /* 12:20 AM */
    assert_string_equal(t_field(c, 0, "disposition"), "denied");
    assert_string_equal(t_field(c, 0, "disposition-message"), "Denied by Policy Module");
    assert_string_equal(t_field(c, 0, "request-id"), "0x8");
    assert_string_equal(t_field(c, 0, "subject"), "jsmith");
    assert_null(t_field(c, 0, "requester"));
    assert_string_equal(t_field(c, 1, "request-id"), "1234");
    assert_string_equal(t_field(c, 1, "requester"), "CONTOSO\\svc-ndes");
    assert_string_equal(t_field(c, 1, "disposition"), "issued");
    assert_string_equal(t_field(c, 1, "template"), "1.3.6.1.4.1.311.21.8.1.2");
    assert_string_equal(t_field(c, 1, "serial"), "3a0015");
    assert_string_equal(t_field(c, 1, "thumbprint"), "ab cd");
    /* the message is a summary of the row on one line */
    assert_non_null(strstr(t_msg(c, 1), "request 1234  by CONTOSO\\svc-ndes  issued"));
    assert_null(strchr(t_msg(c, 1), '\n'));
    t_free(c);
}

static void test_view_csv_and_other_dates(void **state)
{
    (void)state;
    static const char csv[] =
        "\"Issued Request ID\",\"Requester Name\",\"Request Disposition\","
        "\"Request Disposition Message\",\"Request Submission Date\",\"Serial Number\"\n"
        "\"1234\",\"CONTOSO\\svc-ndes\",\"20 -- Issued\",\"Issued\",\"6/10/2016 2:44 AM\",\"3a15\"\n"
        "\"1235\",\"CONTOSO\\svc-ndes\",\"31 -- Denied\",\"Denied by Policy Module, \"\"quoted\"\"\n"
        "second line\",\"2016-06-10 02:45:00\",EMPTY\n"
        "\"1236\",\"CONTOSO\\svc-ndes\",\"9\",\"Taken Under Submission\",\"10.06.2016 02:46\",\"\"\n"
        "\"1237\",\"CONTOSO\\svc-ndes\",\"20\",\"x\",\"13/06/2016 02:47\",\"\"\n"
        "\n"
        "CertUtil: -view command completed successfully.\n";
    assert_true(parser_certutil_view.sniff(csv, sizeof csv - 1) > 50);
    struct tcase *c = t_parse(&parser_certutil_view, csv);
    assert_int_equal(c->ev.n, 4);
    assert_int_equal(c->src.header, 2);
    assert_int_equal(c->src.continuation, 1);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:00.000Z");
    assert_string_equal(t_time(c, 1), "2016-06-10T02:45:00.000Z");
    assert_string_equal(t_field(c, 1, "disposition"), "denied");
    assert_null(t_field(c, 1, "serial")); /* EMPTY */
    assert_string_equal(t_field(c, 2, "disposition"), "pending");
    /* dates of other locales: the row stays, with its fields, at the time before it */
    assert_true(c->ev.v[2].flags & EVF_TIME_INHERITED);
    assert_string_equal(t_time(c, 2), "2016-06-10T02:45:00.000Z");
    assert_true(has_note(&c->src, "D.M.YYYY date (a European locale)"));
    assert_true(has_note(&c->src, "month is over 12"));
    t_free(c);
}

static void test_view_row_cut(void **state)
{
    (void)state;
    static const char cut[] =
        "Row 1:\n"
        "  Issued Request ID: 0x8\n"
        "  Request Submission Date: 6/10/2016 2:40 AM\n"
        "\n"
        "Row 2:\n"
        "  Issued Request ID: 0x9\n"
        "  Request Disposition: 0x14 (20) -- Iss";
    struct tcase *c = t_parse(&parser_certutil_view, cut);
    assert_int_equal(c->ev.n, 2);
    assert_true(c->ev.v[1].flags & EVF_TIME_INHERITED);
    assert_true(has_note(&c->src, "has no date (cut short?)"));
    assert_string_equal(t_field(c, 1, "request-id"), "0x9");
    t_free(c);
}

static const char store_text[] =
    "My \"Personal\"\r\n"
    "================ Certificate 0 ================\r\n"
    "Serial Number: 3a000016\r\n"
    "Issuer: CN=Contoso Issuing CA, DC=contoso, DC=com\r\n"
    " NotBefore: 6/3/2015 10:12 AM\r\n"
    " NotAfter: 6/2/2016 10:12 AM\r\n"
    "Subject: CN=jsmith\r\n"
    "Cert Hash(sha1): e71b768f\r\n"
    "\r\n"
    "  Key Container = {7C3B}\r\n"
    "Encryption test passed\r\n"
    "\r\n"
    "================ Certificate 1 ================\r\n"
    "Serial Number: 3a000015\r\n"
    "Issuer: CN=Contoso Issuing CA, DC=contoso, DC=com\r\n"
    " NotBefore: 6/10/2016 2:34 AM\r\n"
    " NotAfter: 6/10/2017 2:34 AM\r\n"
    "Subject: CN=jsmith\r\n"
    "Template: IntuneSCEP\r\n"
    "Cert Hash(sha1): 56967b34\r\n"
    "CertUtil: -user -store command completed successfully.\r\n";

static void test_store_two_certificates(void **state)
{
    (void)state;
    assert_true(parser_certutil_store.sniff(store_text, sizeof store_text - 1) > 50);
    struct tcase *c = t_parse(&parser_certutil_store, store_text);
    assert_int_equal(c->src.role, ROLE_CERT_STORE);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.header, 2);
    assert_int_equal(c->src.blank, 1); /* the one after the first block; the one inside is its own */
    assert_int_equal(c->ev.v[1].line, 13);
    assert_string_equal(t_time(c, 0), "2015-06-03T10:12:00.000Z");
    assert_string_equal(t_time(c, 1), "2016-06-10T02:34:00.000Z");
    assert_string_equal(t_field(c, 1, "serial"), "3a000015");
    assert_string_equal(t_field(c, 1, "thumbprint"), "56967b34");
    assert_string_equal(t_field(c, 1, "template"), "IntuneSCEP");
    assert_string_equal(t_field(c, 1, "not-after"), "6/10/2017 2:34 AM");
    assert_string_equal(t_field(c, 1, "store"), "My");
    assert_null(t_field(c, 0, "template"));
    t_free(c);
}

/* Loads one file through the bundle, as the program does (decoding, binary formats). */
static struct bundle *load_file(const char *name, const void *data, size_t n, char *path)
{
    snprintf(path, 128, "/tmp/scepscope-certutil-%d-%s", (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    struct bundle *b = calloc(1, sizeof *b);
    assert_non_null(b);
    assert_true(bundle_add_path(b, path));
    assert_true(bundle_load(b));
    return b;
}

static void unload(struct bundle *b, const char *path)
{
    bundle_free(b);
    free(b);
    unlink(path);
}

static void test_view_utf16le_bom(void **state)
{
    (void)state;
    size_t n = strlen(view_text);
    unsigned char *u = malloc(2 * n + 2);
    assert_non_null(u);
    u[0] = 0xFF;
    u[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = (unsigned char)view_text[i];
        u[3 + 2 * i] = 0;
    }
    char path[128];
    struct bundle *b = load_file("view16.txt", u, 2 * n + 2, path);
    free(u);
    const struct source *s = b->src[0];
    assert_false(s->skipped);
    assert_int_equal(s->enc, ENC_UTF16LE);
    assert_string_equal(s->parser->name, "certutil-view");
    assert_int_equal(s->events, 2);
    assert_int_equal(s->unparsed, 0);
    unload(b, path);
}

/* A real certificate (CN=jsmith, serial 3a..15, template IntuneSCEP) from the samples. */
static char *read_sample_pem(size_t *n)
{
    FILE *f = fopen("samples/hybrid-success/device/jsmith-IntuneSCEP.pem", "rb");
    assert_non_null(f);
    char *buf = malloc(8192);
    assert_non_null(buf);
    *n = fread(buf, 1, 8191, f);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

static void test_pem_with_garbage_and_other_blocks(void **state)
{
    (void)state;
    size_t n;
    char *pem = read_sample_pem(&n);
    char *text = malloc(n + 512);
    assert_non_null(text);
    int k = snprintf(text, n + 512,
                     "Bag Attributes\n    friendlyName: jsmith\n\n%s"
                     "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                     "-----END PRIVATE KEY-----\ntrailing words\n", pem);
    char path[128];
    struct bundle *b = load_file("mixed.pem", text, (size_t)k, path);
    const struct source *s = b->src[0];
    assert_string_equal(s->parser->name, "x509");
    assert_int_equal(s->role, ROLE_CERT);
    /* two garbage lines, the certificate, the key named, the trailing line; a blank */
    assert_int_equal(s->events, 5);
    assert_int_equal(s->unparsed, 4);
    assert_int_equal(s->blank, 1);
    const struct event *cert = NULL;
    for (size_t i = 0; i < b->nev; i++)
        if (!(b->ev[i].flags & EVF_RAW))
            cert = &b->ev[i];
    assert_non_null(cert);
    struct span f;
    assert_true(s->parser->field(s, cert, "serial", &f));
    assert_true(span_eq(f, "3a000000158f2c1e9b04d7a6e5000000000015"));
    assert_true(s->parser->field(s, cert, "thumbprint", &f));
    assert_true(span_eq(f, "56967b34e668de3077e2344f159326e2d4347b87"));
    assert_true(s->parser->field(s, cert, "template", &f));
    assert_true(span_eq(f, "IntuneSCEP"));
    assert_true(s->parser->field(s, cert, "subject", &f));
    assert_true(span_eq(f, "CN=jsmith"));
    char iso[32];
    time_format_iso(cert->t, iso);
    assert_string_equal(iso, "2016-06-10T02:34:00.000Z");
    assert_true(has_note(s, "not a certificate"));
    /* the key's base64 is not shown anywhere */
    assert_null(span_find(span_make(s->text, s->size), "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
    unload(b, path);
    free(text);
    free(pem);
}

static void test_der_whole_and_truncated(void **state)
{
    (void)state;
    size_t n;
    char *pem = read_sample_pem(&n);
    /* PEM to DER by hand: the base64 between the armour lines */
    char *b64 = strstr(pem, "-----\n") + 6;
    *strstr(b64, "-----END") = 0;
    unsigned char der[4096];
    size_t dn = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = b64; *p; p++) {
        const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *q = *p ? strchr(al, *p) : NULL;
        if (!q)
            continue;
        acc = acc << 6 | (unsigned)(q - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            der[dn++] = (unsigned char)(acc >> bits);
        }
    }
    char path[128];
    struct bundle *b = load_file("cert.cer", der, dn, path);
    assert_string_equal(b->src[0]->parser->name, "x509");
    assert_int_equal(b->src[0]->events, 1);
    assert_int_equal(b->src[0]->unparsed, 0);
    unload(b, path);
    b = load_file("cut.cer", der, dn / 2, path);
    assert_string_equal(b->src[0]->parser->name, "x509");
    assert_int_equal(b->src[0]->events, 1);
    assert_int_equal(b->src[0]->unparsed, 1);
    assert_true(has_note(b->src[0], "a DER certificate cut short"));
    unload(b, path);
    free(pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_text),
        cmocka_unit_test(test_view_csv_and_other_dates),
        cmocka_unit_test(test_view_row_cut),
        cmocka_unit_test(test_view_utf16le_bom),
        cmocka_unit_test(test_store_two_certificates),
        cmocka_unit_test(test_pem_with_garbage_and_other_blocks),
        cmocka_unit_test(test_der_whole_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
