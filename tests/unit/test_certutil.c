/* test_certutil.c - the CA database (certutil -view, text and CSV), certificate stores
 * (certutil -store) and certificate files (PEM, DER): fields, times, and the nasty cases
 * (a row cut short, UTF-16 output, dates of other locales, garbage around PEM blocks, a DER
 * file cut short, a PEM block that is not a certificate). */
#include <unistd.h>

#include "testutil.h"
#include "bundle.h"
#include "certutil_common.h"

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

/* ---- real certutil -view output ----------------------------------------------------------
 * The texts below are excerpts of real output published on GitHub (lines left out are said so;
 * PEM bodies are cut to their first and last lines). They pin what certutil really prints. */

/* `certutil -view -restrict "Disposition=20","NotAfter<=$date30" -out "RequestID,CommonName,
 * RequesterName,CertificateTemplate,NotAfter"`, from
 * https://github.com/lufann-stewart/pki-portfolio-lufann-stewart/blob/34d4beeabfcfeefd92a2fc576a48099e958fff05/labs/week-14/lab-02-ca-health-check.md
 * (rows 2 and 3 left out): a request ID over 9 as "0xb (11)", a template after version 1 as
 * its OID in quotes and then its display name, a version 1 template by name, and after the
 * rows the size statistics. */
static const char real_out_rows[] =
    "Schema:\n"
    "  Column Name                   Localized Name                Type    MaxLength\n"
    "  ----------------------------  ----------------------------  ------  ---------\n"
    "  RequestID                     Issued Request ID             Long    4 -- Indexed\n"
    "  CommonName                    Issued Common Name            String  8192 -- Indexed\n"
    "  Request.RequesterName         Requester Name                String  2048 -- Indexed\n"
    "  CertificateTemplate           Certificate Template          String  254 -- Indexed\n"
    "  NotAfter                      Certificate Expiration Date   Date    8 -- Indexed\n"
    "\n"
    "Row 1:\n"
    "  Issued Request ID: 0xb (11)\n"
    "  Issued Common Name: \"PKI-SRV01.corp.cvilab.local\"\n"
    "  Requester Name: \"CORP\\PKI-SRV01$\"\n"
    "  Certificate Template: \"1.3.6.1.4.1.311.21.8.15886664.4298044.8996776.14853544.7902291.169"
    ".1.32\" OCSP Response Signing\n"
    "  Certificate Expiration Date: 6/13/2026 12:25 PM\n"
    "\n"
    "Row 4:\n"
    "  Issued Request ID: 0x11 (17)\n"
    "  Issued Common Name: \"CVI Issuing CA 1-Xchg\"\n"
    "  Requester Name: \"CORP\\PKI-SRV01$\"\n"
    "  Certificate Template: \"CAExchange\"\n"
    "  Certificate Expiration Date: 7/17/2026 9:14 AM\n"
    "\n"
    "Maximum Row Index: 4\n"
    "\n"
    "4 Rows\n"
    "  20 Row Properties, Total Size = 818, Max Size = 142, Ave Size = 40\n"
    "   0 Request Attributes, Total Size = 0, Max Size = 0, Ave Size = 0\n"
    "   0 Certificate Extensions, Total Size = 0, Max Size = 0, Ave Size = 0\n"
    "  20 Total Fields, Total Size = 818, Max Size = 142, Ave Size = 40\n"
    "CertUtil: -view command completed successfully.\n";

static void test_view_real_out_rows_and_statistics(void **state)
{
    (void)state;
    assert_true(parser_certutil_view.sniff(real_out_rows, sizeof real_out_rows - 1) > 50);
    struct tcase *c = t_parse(&parser_certutil_view, real_out_rows);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0); /* the statistics are the trailer, not stray lines */
    assert_int_equal(c->src.header, 8 + 7);
    assert_int_equal(c->ev.v[1].line, 17);
    assert_string_equal(t_field(c, 0, "request-id"), "11");
    assert_string_equal(t_field(c, 1, "request-id"), "17");
    assert_string_equal(t_field(c, 0, "template"), "OCSP Response Signing");
    assert_string_equal(t_field(c, 1, "template"), "CAExchange");
    assert_string_equal(t_field(c, 0, "requester"), "CORP\\PKI-SRV01$");
    assert_string_equal(t_field(c, 0, "subject"), "PKI-SRV01.corp.cvilab.local");
    assert_string_equal(t_field(c, 1, "not-after"), "7/17/2026 9:14 AM");
    assert_non_null(strstr(t_msg(c, 0), "template OCSP Response Signing"));
    t_free(c);
}

/* `certutil -view -restrict "Disposition=21"` (every column), from the same file (schema and
 * some columns left out): binary columns as PEM blocks and hex dumps at the start of the
 * line, blank lines inside the row, a quoted value over five lines, a template whose display
 * name is not printed. Everything up to "Row 2:" is row 1. */
static const char real_full_row[] =
    "Schema:\n"
    "  Column Name                   Localized Name                Type    MaxLength\n"
    "  ----------------------------  ----------------------------  ------  ---------\n"
    "  Request.RequestID             Request ID                    Long    4 -- Indexed\n"
    "  Request.RawRequest            Binary Request                Binary  65536\n"
    "\n"
    "Row 1:\n"
    "  Request ID: 0x4\n"
    "  Binary Request:\n"
    "-----BEGIN NEW CERTIFICATE REQUEST-----\n"
    "MIIGWgYJKoZIhvcNAQcCoIIGSzCCBkcCAQMxCzAJBgUrDgMCGgUAMIIEtAYIKwYB\n"
    "GbgsvucKBWHGIqTXYmRRmDhmds5w4tsxDmxG+xEQxAo6ppH8VsDj3K8m7OpS7Q==\n"
    "-----END NEW CERTIFICATE REQUEST-----\n"
    "\n"
    "  Archived Key: EMPTY\n"
    "  Key Recovery Agent Hashes: EMPTY\n"
    "  Old Certificate: EMPTY\n"
    "  Request Attributes: \"\n"
    "cdc:DC01.corp.cvilab.local\n"
    "rmd:PKI-SRV01.corp.cvilab.local\n"
    "\n"
    "ccm:PKI-SRV01.corp.cvilab.local\"\n"
    "  Request Type: 0x40400 (263168) -- CMC, Full Response\n"
    "  Request Flags: 0x4 -- Force UTF-8\n"
    "  Request Status Code: 0x0 (WIN32: 0) -- The operation completed successfully.\n"
    "  Request Disposition: 0x15 (21) -- Revoked\n"
    "  Request Disposition Message: \"Revoked by CORP\\pki.admin\"\n"
    "  Request Submission Date: 5/23/2026 5:39 PM\n"
    "  Request Resolution Date: 5/23/2026 5:39 PM\n"
    "  Revocation Date: 5/28/2026 3:34 PM\n"
    "  Effective Revocation Date: 5/28/2026 3:34 PM\n"
    "  Revocation Reason: 0x5 -- Reason: Cessation of Operation\n"
    "  Requester Name: \"CORP\\pki.admin\"\n"
    "  Caller Name: \"CORP\\pki.admin\"\n"
    "  Request Binary Name:\n"
    "0000\t30 00                                              0.\n"
    "\n"
    "  Request Country/Region: EMPTY\n"
    "  Issued Request ID: 0x4\n"
    "  Binary Certificate:\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIF/TCCBOWgAwIBAgITRAAAAAS3QrXauj1N6wAAAAAABDANBgkqhkiG9w0BAQsF\n"
    "2w==\n"
    "-----END CERTIFICATE-----\n"
    "\n"
    "  Certificate Hash: \"4f 2a a3 df 00 7c 21 93 e7 19 a7 bf e7 5c f9 85 23 63 6d 54\"\n"
    "  Certificate Template: \"1.3.6.1.4.1.311.21.8.15886664.4298044.8996776.14853544.7902291.169"
    ".5191136.12906913\"\n"
    "  Template Enrollment Flags: 0x29 (41)\n"
    "    CT_FLAG_INCLUDE_SYMMETRIC_ALGORITHMS -- 1\n"
    "    CT_FLAG_PUBLISH_TO_DS -- 8\n"
    "    CT_FLAG_AUTO_ENROLLMENT -- 20 (32)\n"
    "  Serial Number: \"4400000004b742b5daba3d4deb000000000004\"\n"
    "  Issuer Name ID: 0x0 CA Version 0.0\n"
    "  Certificate Effective Date: 5/23/2026 5:29 PM\n"
    "  Certificate Expiration Date: 4/25/2027 7:36 PM\n"
    "  User Principal Name: \"pki.admin@corp.cvilab.local\"\n"
    "  Issued Distinguished Name: \"CN=PKI Admin\"\n"
    "  Issued Binary Name:\n"
    "0000\t30 14 31 12 30 10 06 03  55 04 03 13 09 50 4b 49   0.1.0...U....PKI\n"
    "0010\t20 41 64 6d 69 6e                                   Admin\n"
    "\n"
    "  Issued Common Name: \"PKI Admin\"\n"
    "\n"
    "  Request Attributes:\n"
    "    RequestOSVersion: \"10.0.20348.2\"\n"
    "    cdc: \"DC01.corp.cvilab.local\"\n"
    "\n"
    "  Certificate Extensions:\n"
    "    2.5.29.37: Flags = 20000(Origin=Policy), Length = c\n"
    "    Enhanced Key Usage\n"
    "        Client Authentication (1.3.6.1.5.5.7.3.2)\n"
    "\n"
    "\n"
    "Row 2:\n"
    "  Request ID: 0x5\n";

static void test_view_real_full_row_with_binary_columns(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_certutil_view, real_full_row);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->ev.v[0].line, 7);
    assert_int_equal(c->ev.v[1].line, 74);
    assert_int_equal(c->src.blank, 1 + 2); /* before row 1; the two before row 2 */
    assert_int_equal(c->ev.v[0].level, LEVEL_WARNING);
    assert_string_equal(t_time(c, 0), "2026-05-23T17:39:00.000Z");
    assert_string_equal(t_field(c, 0, "disposition"), "revoked");
    assert_string_equal(t_field(c, 0, "disposition-message"), "Revoked by CORP\\pki.admin");
    assert_string_equal(t_field(c, 0, "request-id"), "0x4");
    assert_string_equal(t_field(c, 0, "requester"), "CORP\\pki.admin");
    assert_string_equal(t_field(c, 0, "serial"), "4400000004b742b5daba3d4deb000000000004");
    assert_string_equal(t_field(c, 0, "thumbprint"),
                        "4f 2a a3 df 00 7c 21 93 e7 19 a7 bf e7 5c f9 85 23 63 6d 54");
    assert_string_equal(t_field(c, 0, "template"), "1.3.6.1.4.1.311.21.8.15886664.4298044.8996776."
                        "14853544.7902291.169.5191136.12906913");
    assert_string_equal(t_field(c, 0, "subject"), "CN=PKI Admin");
    assert_string_equal(t_field(c, 0, "not-after"), "4/25/2027 7:36 PM");
    /* row 2 was cut here: no date, it keeps row 1's time */
    assert_true(c->ev.v[1].flags & EVF_TIME_INHERITED);
    assert_string_equal(t_field(c, 1, "request-id"), "0x5");
    t_free(c);
}

/* `certutil.exe -v -view -restrict "RequestID=85" -gmt -out Request.RequestID,...` from
 * https://github.com/DimaShchetinin/ESC9_15_Offzone_2025/blob/ce20d98e1dcae308e9d8fe3d745a01d9f82f1c4f/ESC/ESC9.md
 * (the decoded request's key and signature and the row's later columns left out): -gmt ends
 * each time with " GMT"; -v decodes the request and the certificate inside the row, at the
 * start of the line ("Serial Number: ..." there is not the row's column). */
static const char real_v_gmt[] =
    "Row 1:\n"
    "  Request ID: 0x55 (85)\n"
    "  Binary Request:\n"
    "-----BEGIN NEW CERTIFICATE REQUEST-----\n"
    "MIICYTCCAUkCAQAwHDEaMBgGA1UEAwwRVmlzZXJ5cy50YXJnYXJ5ZW4wggEiMA0G\n"
    "lcECHTeQKO1xJkE0nqFPOVuRM2wVeTGzPY745bicRXKw7MJ6Fg==\n"
    "-----END NEW CERTIFICATE REQUEST-----\n"
    "\n"
    "PKCS10 Certificate Request:\n"
    "Version: 1\n"
    "Subject:\n"
    "    CN=Viserys.targaryen\n"
    "  Name Hash(sha1): 6a9f65aad7b9c0b669f63368987c5922e851c9ef\n"
    "  Name Hash(md5): 4f44096017c4181d7daaade25b2d1b7b\n"
    "\n"
    "Request Attributes: 0\n"
    "  0 attributes:\n"
    "Signature matches Public Key\n"
    "Key Id Hash(rfc-sha1): 062f87bdedfb3456dd00b47d8eb757f059d29de6\n"
    "\n"
    "  Archived Key: EMPTY\n"
    "  Request Attributes: \"CertificateTemplate:ESC9\"\n"
    "0000    43 00 65 00 72 00 74 00  69 00 66 00 69 00 63 00   C.e.r.t.i.f.i.c.\n"
    "0010    61 00 74 00 65 00 54 00  65 00 6d 00 70 00 6c 00   a.t.e.T.e.m.p.l.\n"
    "0020    61 00 74 00 65 00 3a 00  45 00 53 00 43 00 39 00   a.t.e.:.E.S.C.9.\n"
    "\n"
    "  Request Type: 0x100 (256) -- PKCS10\n"
    "  Request Disposition: 0x14 (20) -- Issued\n"
    "  Request Disposition Message: \"Issued\"\n"
    "0000    49 00 73 00 73 00 75 00  65 00 64 00               I.s.s.u.e.d.\n"
    "\n"
    "  Request Submission Date: 8/17/2025 6:35 PM GMT\n"
    "  Request Resolution Date: 8/17/2025 6:35 PM GMT\n"
    "  Revocation Date: EMPTY\n"
    "  Requester Name: \"ESSOS\\viserys.targaryen\"\n"
    "0000    45 00 53 00 53 00 4f 00  53 00 5c 00 76 00 69 00   E.S.S.O.S.\\.v.i.\n"
    "\n"
    "  Issued Request ID: 0x55 (85)\n"
    "  Binary Certificate:\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIFvjCCBKagAwIBAgITIAAAAFW213K6ewbV6gAAAAAAVTANBgkqhkiG9w0BAQsF\n"
    "OEtVVW6Zz6u9zCkszduPmL8yz3eYq8+ypXQ/LTeMh3zc6w==\n"
    "-----END CERTIFICATE-----\n"
    "\n"
    "X509 Certificate:\n"
    "Version: 3\n"
    "Serial Number: 2000000055b6d772ba7b06d5ea000000000055\n"
    "\n"
    " NotBefore: 8/17/2025 6:25 PM GMT\n"
    " NotAfter: 8/17/2026 6:25 PM GMT\n";

static void test_view_real_verbose_gmt(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_certutil_view, real_v_gmt);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.continuation, 49);
    /* "GMT": the time is UTC, not the CA's local time */
    assert_string_equal(t_time(c, 0), "2025-08-17T18:35:00.000Z");
    assert_int_equal(c->src.zone, ZONE_UTC);
    assert_string_equal(t_field(c, 0, "request-id"), "85");
    assert_string_equal(t_field(c, 0, "disposition"), "issued");
    assert_string_equal(t_field(c, 0, "disposition-message"), "Issued");
    assert_string_equal(t_field(c, 0, "requester"), "ESSOS\\viserys.targaryen");
    assert_null(t_field(c, 0, "serial"));     /* only the decoded certificate's, not a column */
    assert_null(t_field(c, 0, "not-before")); /* " NotBefore:" is the decoded certificate's */
    t_free(c);
}

/* The same command from
 * https://github.com/DimaShchetinin/ESC9_15_Offzone_2025/blob/ce20d98e1dcae308e9d8fe3d745a01d9f82f1c4f/ESC/ESC10.md
 * where the whole output is indented by four spaces: a disposition message that ends with a
 * line end inside its quotes, so that the closing quote is on the next line. */
static const char real_msg_two_lines[] =
    "    Row 1:\n"
    "      Request ID: 0x14 (20)\n"
    "      Request Disposition: 0x14 (20) -- Issued\n"
    "      Request Disposition Message: \"Issued  0x80094004, The Enrollee (CN=viserys.targaryen,"
    "CN=Users,DC=essos,DC=local) has no E-Mail name registered in the Active Directory.  The "
    "E-Mail name will not be included in the certificate.\n"
    "    \"\n"
    "    0000    49 00 73 00 73 00 75 00  65 00 64 00 20 00 20 00   I.s.s.u.e.d. . .\n"
    "    0180    74 00 65 00 2e 00 0d 00  0a 00                     t.e.......\n"
    "    \n"
    "      Request Submission Date: 7/28/2025 6:19 PM GMT\n";

static void test_view_real_message_over_two_lines(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_certutil_view, real_msg_two_lines);
    assert_int_equal(c->ev.n, 1);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_time(c, 0), "2025-07-28T18:19:00.000Z");
    assert_string_equal(t_field(c, 0, "disposition-message"),
                        "Issued  0x80094004, The Enrollee (CN=viserys.targaryen,CN=Users,"
                        "DC=essos,DC=local) has no E-Mail name registered in the Active "
                        "Directory.  The E-Mail name will not be included in the certificate.");
    assert_string_equal(t_field(c, 0, "request-id"), "20");
    t_free(c);
}

/* The CSV form. No capture of `certutil -view ... csv` was found published. Public PowerShell
 * scripts that read it with ConvertFrom-Csv or Import-Csv (GitHub code, found by exact-string
 * search; the index names no repository for them) rely on: the header holds the columns'
 * localized names even when -out names them by column name ($row."Issued Request ID" after
 * -out "RequestID,..."), the disposition is "20 -- Issued" or "21 -- Revoked" (compared with
 * -eq), an empty value is EMPTY ($_."Revocation Date" -eq "EMPTY"), the dates parse as the
 * locale's dates, and a template cell is the OID then the name ("Cases seen: 1)
 * 1.3.6.1.4.1.311.... WebServer1W 2) "1.3.6.1.4.1.311...." WebServer1W 3) ... (WebServer1W)
 * 4) WebServer1W", in a CA exporter's Get-TemplateNameOnly). Those pieces put together here;
 * the quoting of the cells is not confirmed. */
static const char csv_from_scripts[] =
    "\"Issued Request ID\",\"Request Disposition\",\"Revocation Date\","
    "\"Certificate Expiration Date\",\"Certificate Template\",\"Serial Number\","
    "\"Request Submission Date\"\n"
    "\"20\",\"20 -- Issued\",\"EMPTY\",\"7/28/2026 6:09 PM\",\"User\","
    "\"20000000149241a5d99e294fd6000000000014\",\"7/28/2025 6:19 PM\"\n"
    "\"4\",\"21 -- Revoked\",\"5/28/2026 3:34 PM\",\"4/25/2027 7:36 PM\","
    "\"1.3.6.1.4.1.311.21.8.9904716.11557025.2180029.13202864.4813877.207.10850930.7780789 "
    "RDP_Template\",\"4400000004b742b5daba3d4deb000000000004\",\"5/23/2026 5:39 PM GMT\"\n";

static void test_view_csv_as_scripts_read_it(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_certutil_view, csv_from_scripts);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.unparsed, 0);
    assert_string_equal(t_field(c, 0, "disposition"), "issued");
    assert_string_equal(t_field(c, 1, "disposition"), "revoked");
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    assert_string_equal(t_field(c, 0, "template"), "User");
    /* a template after version 1 in one cell: its OID, then its name */
    assert_string_equal(t_field(c, 1, "template"), "RDP_Template");
    assert_string_equal(t_time(c, 0), "2025-07-28T18:19:00.000Z");
    assert_string_equal(t_time(c, 1), "2026-05-23T17:39:00.000Z");
    t_free(c);
}

/* The subject: the distinguished name, else the common name; EMPTY (a denied request has no
 * certificate) is no subject. */
static void test_view_subject_empty(void **state)
{
    (void)state;
    static const char x[] = "Row 1:\n"
                            "  Issued Request ID: 0x8\n"
                            "  Issued Distinguished Name: EMPTY\n"
                            "  Issued Common Name: \"jsmith\"\n"
                            "\n"
                            "Row 2:\n"
                            "  Issued Request ID: 0x9\n"
                            "  Issued Distinguished Name: EMPTY\n"
                            "  Issued Common Name: EMPTY\n";
    struct tcase *c = t_parse(&parser_certutil_view, x);
    assert_int_equal(c->ev.n, 2);
    assert_string_equal(t_field(c, 0, "subject"), "jsmith");
    assert_null(t_field(c, 1, "subject"));
    assert_null(strstr(t_msg(c, 1), "EMPTY"));
    t_free(c);
}

/* The forms of a template's value: the four a CA exporter lists under "Cases seen" (above),
 * and the text form's quoted OID without a name (real_full_row). */
static void test_template_forms(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        { "1.3.6.1.4.1.311.21.8.1.2 WebServer1W", "WebServer1W" },
        { "\"1.3.6.1.4.1.311.21.8.1.2\" WebServer1W", "WebServer1W" },
        { "1.3.6.1.4.1.311.21.8.1.2 (WebServer1W)", "WebServer1W" },
        { "WebServer1W", "WebServer1W" },
        { "\"WebServer\"", "WebServer" },
        { "\"1.3.6.1.4.1.311.21.8.1.2\"", "1.3.6.1.4.1.311.21.8.1.2" },
        { "\"Copy of Web Server\"", "Copy of Web Server" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct span t = cu_template(span_cstr(cases[i].in));
        char got[64];
        snprintf(got, sizeof got, "%.*s", (int)t.n, t.p);
        assert_string_equal(got, cases[i].out);
    }
}

/* certutil -store prints NotBefore the way the certificate dump of -view -v above does;
 * with -gmt, " GMT" follows ("NotBefore: 8/17/2025 6:25 PM GMT", ESC9.md above). */
static void test_store_gmt(void **state)
{
    (void)state;
    static const char store_gmt[] =
        "My \"Personal\"\n"
        "================ Certificate 0 ================\n"
        "Serial Number: 2000000055b6d772ba7b06d5ea000000000055\n"
        "Issuer: CN=ESSOS-CA, DC=essos, DC=local\n"
        " NotBefore: 8/17/2025 6:25 PM GMT\n"
        " NotAfter: 8/17/2026 6:25 PM GMT\n"
        "Subject: EMPTY (Other Name:Principal Name=administrator)\n";
    struct tcase *c = t_parse_tz(&parser_certutil_store, store_gmt, sizeof store_gmt - 1, NULL);
    assert_int_equal(c->ev.n, 1);
    assert_string_equal(t_time(c, 0), "2025-08-17T18:25:00.000Z");
    assert_int_equal(c->src.zone, ZONE_UTC);
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
        cmocka_unit_test(test_view_real_out_rows_and_statistics),
        cmocka_unit_test(test_view_real_full_row_with_binary_columns),
        cmocka_unit_test(test_view_real_verbose_gmt),
        cmocka_unit_test(test_view_real_message_over_two_lines),
        cmocka_unit_test(test_view_csv_as_scripts_read_it),
        cmocka_unit_test(test_view_subject_empty),
        cmocka_unit_test(test_template_forms),
        cmocka_unit_test(test_store_gmt),
        cmocka_unit_test(test_view_utf16le_bom),
        cmocka_unit_test(test_store_two_certificates),
        cmocka_unit_test(test_pem_with_garbage_and_other_blocks),
        cmocka_unit_test(test_der_whole_and_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
