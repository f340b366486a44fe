/* test_events.c - the Windows event log readers: event XML (one line or pretty-printed, UTF-16,
 * cut short, without a time, huge values, entities), Event Viewer's CSV (quoted commas and
 * line ends, cut short, day-first dates), .evtx's refusals (cut short, dirty header, garbage
 * after the magic), a real .evtx file written by Windows checked against libevtx's own tools,
 * and copies of it damaged here (dirty flag, cut short, a chunk's checksum or header broken,
 * garbage in a record), and step 1's sync schedule. */
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "builtin.h"
#include "bundle.h"
#include "playbook.h"
#include "step1.h"

extern const struct parser parser_eventxml;
extern const struct parser parser_eventcsv;
extern const struct parser parser_evtx;

#define NS "xmlns='http://schemas.microsoft.com/win/2004/08/events/event'"

#define SYS(prov, id, lvl, time, rec, chan, comp)                                               \
    "<System><Provider Name='" prov "' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>"         \
    "<EventID>" id "</EventID><Version>0</Version><Level>" lvl "</Level><Task>12805</Task>"     \
    "<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='" time "'/>"               \
    "<EventRecordID>" rec "</EventRecordID><Channel>" chan "</Channel><Computer>" comp          \
    "</Computer><Security/></System>"

static const char ca_xml[] =
    "<Event " NS ">" SYS("Microsoft-Windows-Security-Auditing", "4886", "0",
                          "2016-06-10T02:44:12.2151220Z", "90411", "Security", "CA01.contoso.com")
    "<EventData><Data Name='RequestId'>5678</Data><Data Name='Requester'>CONTOSO\\svc_NDES</Data>"
    "<Data Name='Attributes'>CertificateTemplate:IntuneSCEP\nccm:NDES01.contoso.com</Data>"
    "</EventData></Event>"
    "<Event " NS ">" SYS("Microsoft-Windows-Security-Auditing", "4887", "0",
                          "2016-06-10T02:44:12.2403310Z", "90412", "Security", "CA01.contoso.com")
    "<EventData><Data Name='RequestId'>5678</Data><Data Name='Requester'>CONTOSO\\svc_NDES</Data>"
    "<Data Name='Disposition'>3</Data></EventData></Event>\n";

/* Parses text with parser p the way the bundle does; the text is replaced by the rendered
 * lines, one per event. */
static struct tcase *parse_rendered(const struct parser *p, const char *text, size_t n)
{
    struct tcase *c = t_source(p, text, n, "events.xml");
    assert_true(p->parse(&c->src, &c->ev));
    parse_inherit_times(&c->ev, 0);
    assert_int_equal(c->src.events, c->ev.n);
    assert_int_equal(c->src.lines, c->src.events + c->src.continuation + c->src.header +
                                       c->src.blank);
    for (size_t i = 0; i < c->ev.n; i++) {
        const struct event *e = &c->ev.v[i];
        assert_true(event_off(e) + e->len <= c->src.size);
        assert_null(memchr(c->src.text + event_off(e), '\n', e->len)); /* one line each */
    }
    return c;
}

static void test_xml_one_line(void **state)
{
    (void)state;
    struct tcase *c = parse_rendered(&parser_eventxml, ca_xml, sizeof ca_xml - 1);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.role, ROLE_CA_EVENTS);
    assert_int_equal(c->ev.v[0].line, 90411);
    assert_int_equal(c->ev.v[1].line, 90412);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:12.215Z");
    assert_string_equal(t_msg(c, 1), "[Security 4887] Microsoft-Windows-Security-Auditing "
                                     "CA01.contoso.com: RequestId=5678 "
                                     "Requester=CONTOSO\\svc_NDES Disposition=3");
    assert_string_equal(t_field(c, 0, "event-id"), "4886");
    assert_string_equal(t_field(c, 0, "channel"), "Security");
    assert_string_equal(t_field(c, 0, "provider"), "Microsoft-Windows-Security-Auditing");
    assert_string_equal(t_field(c, 0, "computer"), "CA01.contoso.com");
    assert_string_equal(t_field(c, 0, "Attributes"),
                        "CertificateTemplate:IntuneSCEP ccm:NDES01.contoso.com");
    assert_string_equal(t_field(c, 1, "Disposition"), "3");
    assert_string_equal(t_field(c, 1, "record"), "90412");
    assert_string_equal(t_field(c, 1, "level"), "info");
    assert_null(t_field(c, 1, "NoSuchField"));
    t_free(c);
}

static void test_xml_pretty_and_levels(void **state)
{
    (void)state;
    static const char x[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Events>\r\n<Event " NS ">\r\n  <System>\r\n"
        "    <Provider Name='Microsoft-Windows-NetworkDeviceEnrollmentService'/>\r\n"
        "    <EventID Qualifiers='49152'>31</EventID>\r\n    <Level>2</Level>\r\n"
        "    <TimeCreated SystemTime='2016-06-10T02:44:12.5Z'/>\r\n"
        "    <EventRecordID>7</EventRecordID>\r\n    <Channel>Application</Channel>\r\n"
        "    <Computer>NDES1.contoso.com</Computer>\r\n  </System>\r\n"
        "  <EventData Name=\"EVENT_MSCEP_FAIL_SUBMIT\">\r\n"
        "    <Data Name=\"ErrorCode\">The requested certificate template is not supported by this "
        "CA.</Data>\r\n    <Data Name=\"ErrorMessage\">0x80004005</Data>\r\n  </EventData>\r\n"
        "  <RenderingInfo Culture='en-US'><Message>The Network Device Enrollment Service cannot "
        "submit the certificate request (The requested certificate template is not supported by "
        "this CA.). 0x80004005</Message></RenderingInfo>\r\n</Event>\r\n"
        "<Event " NS "><System><Provider Name='Other'/><EventID>1</EventID><Level>3</Level>"
        "<TimeCreated SystemTime='2016-06-10T02:45:00Z'/><EventRecordID>8</EventRecordID>"
        "</System><UserData><Wrapper xmlns='x'><Thing>v1</Thing><Empty/></Wrapper></UserData>"
        "</Event>\r\n</Events>\r\n";
    struct tcase *c = parse_rendered(&parser_eventxml, x, sizeof x - 1);
    assert_int_equal(c->ev.n, 2);
    assert_int_equal(c->src.role, ROLE_NDES_EVENTS);
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_int_equal(c->ev.v[1].level, LEVEL_WARNING);
    assert_string_equal(t_field(c, 0, "event-id"), "31");
    assert_string_equal(t_field(c, 0, "ErrorMessage"), "0x80004005");
    assert_non_null(strstr(t_field(c, 0, "message"), "template is not supported by this CA."));
    assert_string_equal(t_field(c, 1, "Thing"), "v1");
    assert_string_equal(t_field(c, 1, "Empty"), "");
    assert_int_equal(c->ev.v[1].line, 8);
    t_free(c);
}

static void test_xml_cut_and_no_time(void **state)
{
    (void)state;
    static const char x[] =
        "<Event " NS "><System><Provider Name='P'/><EventID>5</EventID>"
        "<EventRecordID>1</EventRecordID></System></Event>"
        "<Event " NS "><System><Provider Name='P'/><EventID>6</EventID>"
        "<TimeCreated SystemTime='2016-06-10T02:44:12Z'/><EventRecordID>2</EventRecordID>"
        "</System></Event>"
        "<Event " NS "><System><Provider Name='P'/><EventID>7</EventID><TimeCr";
    struct tcase *c = parse_rendered(&parser_eventxml, x, sizeof x - 1);
    assert_int_equal(c->ev.n, 3);
    /* no TimeCreated: takes its neighbour's time, flagged */
    assert_true(c->ev.v[0].flags & EVF_TIME_INHERITED);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:12.000Z");
    /* cut in the middle: kept raw */
    assert_true(c->ev.v[2].flags & EVF_RAW);
    assert_int_equal(c->src.unparsed, 1);
    t_free(c);
}

static void test_xml_entities_and_huge(void **state)
{
    (void)state;
    size_t big = 300000;
    const char *head = "<Event " NS "><System><Provider Name='A&amp;B'/><EventID>1</EventID>"
                       "<EventRecordID>3</EventRecordID></System><EventData>"
                       "<Data Name='E'>x &lt;y&gt; &#x1b;[31m &#10;z &#99999999; &bogus;</Data>"
                       "<Data>unnamed</Data><Data Name='Huge'>";
    const char *tail = "</Data></EventData></Event>";
    size_t n = strlen(head) + big + strlen(tail);
    char *x = malloc(n + 1);
    assert_non_null(x);
    strcpy(x, head);
    memset(x + strlen(head), 'A', big);
    strcpy(x + strlen(head) + big, tail);
    struct tcase *c = parse_rendered(&parser_eventxml, x, n);
    assert_int_equal(c->ev.n, 1);
    assert_string_equal(t_field(c, 0, "provider"), "A&B");
    assert_string_equal(t_field(c, 0, "E"), "x <y> \x1b[31m z &#99999999; &bogus;");
    assert_string_equal(t_field(c, 0, "Data1"), "unnamed");
    struct span h;
    assert_true(parser_eventxml.field(&c->src, &c->ev.v[0], "Huge", &h));
    assert_true(h.n <= 16384 + 3); /* cut, with "..." */
    t_free(c);
    free(x);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static char *tmp_path(const char *name)
{
    const char *dir = getenv("TMPDIR");
    char *p = malloc(512);
    assert_non_null(p);
    snprintf(p, 512, "%s/scepscope-test-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(),
             name);
    return p;
}

static void test_xml_utf16(void **state)
{
    (void)state;
    /* UTF-16 LE with a BOM, as wevtutil writes to a file redirected in PowerShell */
    size_t n8 = sizeof ca_xml - 1;
    unsigned char *u = malloc(2 + n8 * 2);
    assert_non_null(u);
    u[0] = 0xff;
    u[1] = 0xfe;
    for (size_t i = 0; i < n8; i++) {
        u[2 + 2 * i] = (unsigned char)ca_xml[i];
        u[3 + 2 * i] = 0;
    }
    char *path = tmp_path("utf16.xml");
    write_file(path, u, 2 + n8 * 2);
    free(u);
    struct bundle b = { 0 };
    assert_true(bundle_add_path(&b, path));
    assert_true(bundle_load(&b));
    assert_int_equal(b.nsrc, 1);
    assert_false(b.src[0]->skipped);
    assert_string_equal(b.src[0]->parser->name, "eventxml");
    assert_int_equal(b.src[0]->enc, ENC_UTF16LE);
    assert_int_equal(b.nev, 2);
    assert_int_equal(b.src[0]->role, ROLE_CA_EVENTS);
    bundle_free(&b);
    unlink(path);
    free(path);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static const char csv[] =
    "Level,Date and Time,Source,Event ID,Task Category\r\n"
    "Information,6/10/2016 2:44:12 AM,Microsoft-Windows-Security-Auditing,4888,Certification "
    "Services,\"Certificate Services denied a certificate request.\r\n\r\nRequest ID:\t5678\r\n"
    "Requester:\tCONTOSO\\svc_NDES, the \"\"NDES\"\" account\r\n"
    "Attributes:\tCertificateTemplate:IntuneSCEP\"\r\n"
    "\r\n"
    "Error,6/10/2016 2:44:13 PM,Microsoft-Windows-NetworkDeviceEnrollmentService,31,None,"
    "The Network Device Enrollment Service cannot submit the certificate request (0x800706ba). "
    "The RPC server is unavailable.\r\n"
    "garbage line\r\n"
    "Warning,6/10/2016 2:45:00 AM,Src,1,None,\"cut short, never closed\r\n"
    "more\r\n";

static void test_csv(void **state)
{
    (void)state;
    struct tcase *c = t_parse(&parser_eventcsv, csv);
    assert_int_equal(c->src.header, 1);
    assert_int_equal(c->src.blank, 1);
    assert_int_equal(c->ev.n, 4);
    assert_int_equal(c->src.role, ROLE_CA_EVENTS);
    assert_int_equal(c->src.zone, ZONE_ASSUMED_UTC);
    assert_int_equal(c->ev.v[0].line, 2);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:12.000Z");
    assert_string_equal(t_field(c, 0, "event-id"), "4888");
    assert_string_equal(t_field(c, 0, "provider"), "Microsoft-Windows-Security-Auditing");
    assert_non_null(strstr(t_msg(c, 0), "Request ID:\t5678\r\nRequester:\tCONTOSO\\svc_NDES, the "
                                        "\"\"NDES\"\" account"));
    /* an unquoted message with commas, a PM time */
    assert_int_equal(c->ev.v[1].line, 8);
    assert_string_equal(t_time(c, 1), "2016-06-10T14:44:13.000Z");
    assert_int_equal(c->ev.v[1].level, LEVEL_ERROR);
    assert_non_null(strstr(t_msg(c, 1), "(0x800706ba). The RPC server is unavailable."));
    /* a line that is no record, and a quoted field never closed: raw */
    assert_true(c->ev.v[2].flags & EVF_RAW);
    assert_true(c->ev.v[3].flags & EVF_RAW);
    assert_int_equal(c->src.unparsed, 2);
    t_free(c);
}

static void test_csv_day_first(void **state)
{
    (void)state;
    static const char x[] = "Level,Date and Time,Source,Event ID,Task Category\n"
                            "Information,13/06/2016 09:01:02,S,39,None,installed\n"
                            "Information,01/06/2016 09:01:02,S,39,None,installed\n";
    struct tcase *c = t_parse(&parser_eventcsv, x);
    assert_int_equal(c->ev.n, 2);
    assert_string_equal(t_time(c, 0), "2016-06-13T09:01:02.000Z");
    assert_string_equal(t_time(c, 1), "2016-06-01T09:01:02.000Z");
    t_free(c);
    /* --tz applies as to any log without a zone */
    c = t_parse_tz(&parser_eventcsv, x, sizeof x - 1, "+10:00");
    assert_string_equal(t_time(c, 0), "2016-06-12T23:01:02.000Z");
    t_free(c);
}

/* ---- the device's MDM events (DeviceManagement-Enterprise-Diagnostics-Provider/Admin) -----
 * The names of the Data fields are the provider's manifest (listed for Windows 11 21H2 in
 * github.com/nasbench/EVTX-ETW-Resources, "ETW Events List/Markdown/W11_21H2/Microsoft-Windows-
 * DeviceManagement-Enterprise-Diagnostics-Provider.md"): 36 Message1 (EKU), Message2 (NDES URL),
 * Message3 (container), HexInt1 (KSP), HexInt2 (store); 306 Message1..4, HexInt1 (key
 * protection), HexInt3 (result); 307 Message1; 32 HRESULT; 39 none. A result is written in hex
 * in the XML (the one real XML of this provider: event 400 in learn.microsoft.com's
 * remotewipe-fails-sending-dowipe-command, <Data Name="HexInt1">0x80070032</Data>); an event
 * without data has <EventData /> (event 4608 in learn.microsoft.com's event-4608). The values
 * are those of real events: 306/36 of a lab device (8/20/2024, Intune's support wiki "NDES and
 * SCEP/Troubleshooting/Windows", dev.azure.com/Supportability/Intune/_wiki, imported on GitHub),
 * 307/32 of https://github.com/NeySlim/ultimate-ca-manager/issues/326, 32 of
 * https://support.okta.com/help/s/article/device-management-scep-profile-error-scep-certificate-enroll-failed-result-the-hash-value-is-not-correct
 * ("The hash value is not correct." is CRYPT_E_HASH_VALUE, 0x80091007). */

#define DM_PROV "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider"
#define DM_SYS(id, lvl, time, rec)                                                              \
    "<System><Provider Name='" DM_PROV "' Guid='{3DA494E4-0FE2-415C-B895-FB5265C5C83B}'/>"      \
    "<EventID>" id "</EventID><Version>0</Version><Level>" lvl "</Level><Task>0</Task>"         \
    "<Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='" time   \
    "'/><EventRecordID>" rec "</EventRecordID><Correlation/><Execution ProcessID='2560' "       \
    "ThreadID='8612'/><Channel>" DM_PROV "/Admin</Channel><Computer>DESKTOP PC</Computer>"      \
    "<Security UserID='S-1-5-18'/></System>"

/* wevtutil qe ... /f:xml, or a .evtx file: the Data fields without the rendered text */
static const char dm_xml[] =
    "<Event " NS ">" DM_SYS("306", "4", "2024-08-20T16:49:42.1000000Z", "101")
    "<EventData><Data Name='Message1'>ModelName_AC_fd19e485-e013-44c2-b74d-633899d2861d_"
    "LogicalName_323b8974_xxxx_xxxx_xxxx_f4958f1c9fb1_Hash_2107323741</Data>"
    "<Data Name='Message2'>S-1-12-1-1040038417-1116844459-1519109262-633658448</Data>"
    "<Data Name='Message3'>user</Data><Data Name='Message4'>clientinstall</Data>"
    "<Data Name='HexInt1'>0x2</Data><Data Name='HexInt3'>0x2ab0003</Data></EventData></Event>"
    "<Event " NS ">" DM_SYS("36", "4", "2024-08-20T16:49:44.2000000Z", "102")
    "<EventData><Data Name='Message1'>1.3.6.1.5.5.7.3.2</Data><Data Name='Message2'>"
    "https://ndesproxy-tenant.msappproxy.net/certsrv/mscep/mscep.dll/pkiclient.exe</Data>"
    "<Data Name='Message3'></Data><Data Name='HexInt1'>0x2</Data>"
    "<Data Name='HexInt2'>0x1</Data></EventData></Event>"
    "<Event " NS ">" DM_SYS("39", "4", "2024-08-20T16:49:44.3000000Z", "103")
    "<EventData /></Event>"
    "<Event " NS ">" DM_SYS("307", "2", "2024-08-20T16:49:45.0000000Z", "104")
    "<EventData><Data Name='Message1'>SCEPInstallCertificateWithScepHelper:Failed to Initialize "
    "SCEP enrollment with NDES Server &apos;fqdnremoved/scep/atit-ch/pkiclient.exe&apos;, CA cert "
    "thumbprint &apos;E8F9B56569F05F3A0CC343731EA7B45EF013F94E&apos; and server certs &apos;"
    "&apos;. LogError 0x80072f7</Data></EventData></Event>"
    "<Event " NS ">" DM_SYS("32", "2", "2024-08-20T16:49:45.1000000Z", "105")
    "<EventData><Data Name='HRESULT'>0x80072f78</Data></EventData></Event>"
    "<Event " NS ">" DM_SYS("32", "2", "2024-08-20T16:49:46.0000000Z", "106")
    "<EventData><Data Name='HRESULT'>0x80091007</Data></EventData></Event>"
    "<Event " NS ">" DM_SYS("306", "4", "2024-08-20T16:50:00.0000000Z", "107")
    "<EventData><Data Name='Message1'>x</Data><Data Name='HexInt1'>0x2</Data>"
    "<Data Name='HexInt3'>0x80070490</Data></EventData></Event>\n";

/* Event Viewer's Save as CSV: the rendered text only. The texts: 306 and 36 of Microsoft's
 * troubleshoot-scep-certificate-profile-deployment and -device-to-ndes (their placeholders
 * kept), 39 of troubleshoot-scep-certificate-delivery, 32 of the Okta article, 307 of
 * ultimate-ca-manager issue 326 (its "0x80072f7" is cut so in the source). */
static const char dm_csv[] =
    "Level,Date and Time,Source,Event ID,Task Category\r\n"
    "Information,8/20/2024 9:49:42 AM,DeviceManagement-Enterprise-Diagnostics-Provider,306,None,"
    "\"SCEP: CspExecute for UniqueId : (ModelName_<ModelName>_LogicalName_<LogicalName>_Hash_"
    "<Hash>) InstallUserSid : (<UserSid>) InstallLocation : (user) NodePath : (clientinstall)  "
    "KeyProtection: (0x2) Result : (Unknown Win32 Error code: 0x2ab0003).\"\r\n"
    "Information,8/20/2024 9:49:44 AM,DeviceManagement-Enterprise-Diagnostics-Provider,36,None,"
    "\"SCEP: Certificate request generated successfully. Enhanced Key Usage: (1.3.6.1.5.5.7.3.2), "
    "NDES URL: (https://<server>/certsrv/mscep/mscep.dll/pkiclient.exe), Container Name: (), KSP "
    "Setting: (0x2), Store Location: (0x1).\"\r\n"
    "Information,8/20/2024 9:49:44 AM,DeviceManagement-Enterprise-Diagnostics-Provider,39,None,"
    "SCEP: Certificate installed successfully.\r\n"
    "Error,8/20/2024 9:49:45 AM,DeviceManagement-Enterprise-Diagnostics-Provider,307,None,"
    "\"SCEP: Failed LogError Message : (SCEPInstallCertificateWithScepHelper:Failed to Initialize "
    "SCEP enrollment with NDES Server 'fqdnremoved/scep/atit-ch/pkiclient.exe', CA cert thumbprint "
    "'E8F9B56569F05F3A0CC343731EA7B45EF013F94E' and server certs ''. LogError 0x80072f7) \"\r\n"
    "Error,8/20/2024 9:49:45 AM,DeviceManagement-Enterprise-Diagnostics-Provider,32,None,"
    "SCEP: Certificate enroll failed. Result: (Unknown Win32 Error code: 0x80072f78).\r\n"
    "Error,8/20/2024 9:49:46 AM,DeviceManagement-Enterprise-Diagnostics-Provider,32,None,"
    "SCEP: Certificate enroll failed. Result: (The hash value is not correct.).\r\n";

static void load_builtin(struct playbook *pb)
{
    char err[512] = "";
    memset(pb, 0, sizeof *pb);
    const struct builtin_file *bf = builtin_find("playbooks/sccm-hybrid.yaml");
    assert_non_null(bf);
    if (!playbook_load_string(pb, bf->path, bf->data, bf->len, err, sizeof err))
        fail_msg("the built-in playbook does not load: %s", err);
}

/* The id of the signature event i of c matches first, "" for none. */
static const char *sig_id(const struct playbook *pb, struct tcase *c, size_t i)
{
    struct pb_candidates cands;
    assert_true(playbook_candidates(pb, &c->src, &cands));
    int k = playbook_classify(pb, &cands, &c->src, &c->ev.v[i]);
    pb_candidates_free(&cands);
    return k < 0 ? "" : pb->sigs[k].id;
}

/* The value group takes when event i of c matches its signature, "" for none. */
static const char *sig_group(const struct playbook *pb, struct tcase *c, size_t i,
                             const char *group)
{
    struct pb_candidates cands;
    assert_true(playbook_candidates(pb, &c->src, &cands));
    int k = playbook_classify(pb, &cands, &c->src, &c->ev.v[i]);
    pb_candidates_free(&cands);
    if (!playbook_extract(pb, k, &c->src, &c->ev.v[i], group, c->msgbuf, sizeof c->msgbuf, NULL))
        c->msgbuf[0] = 0;
    return c->msgbuf;
}

static void test_dmedp_data_fields_without_text(void **state)
{
    (void)state;
    struct playbook pb;
    load_builtin(&pb);
    struct tcase *c = parse_rendered(&parser_eventxml, dm_xml, sizeof dm_xml - 1);
    assert_int_equal(c->ev.n, 7);
    assert_int_equal(c->src.role, ROLE_DEVICE_EVENTS);
    assert_string_equal(t_field(c, 1, "Message2"),
                        "https://ndesproxy-tenant.msappproxy.net/certsrv/mscep/mscep.dll/pkiclient.exe");
    assert_string_equal(t_field(c, 0, "HexInt3"), "0x2ab0003");
    assert_string_equal(t_msg(c, 2), "[" DM_PROV "/Admin 39] " DM_PROV " DESKTOP PC:");
    /* each signature matches without the rendered text */
    assert_string_equal(sig_id(&pb, c, 0), "dmedp-306-accepted");
    assert_string_equal(sig_id(&pb, c, 1), "dmedp-36-request-generated");
    assert_string_equal(sig_group(&pb, c, 1, "url"),
                        "https://ndesproxy-tenant.msappproxy.net/certsrv/mscep/mscep.dll/pkiclient.exe");
    assert_string_equal(sig_id(&pb, c, 2), "dmedp-39-installed");
    assert_string_equal(sig_id(&pb, c, 3), "dmedp-307-winhttp");
    assert_string_equal(sig_group(&pb, c, 3, "hresult"), "0x80072f7");
    assert_string_equal(sig_id(&pb, c, 4), "dmedp-32-enroll-failed");
    assert_string_equal(sig_group(&pb, c, 4, "hresult"), "0x80072f78");
    assert_string_equal(sig_id(&pb, c, 5), "dmedp-32-hash-not-correct");
    assert_string_equal(sig_id(&pb, c, 6), "dmedp-306-failed");
    assert_string_equal(sig_group(&pb, c, 6, "result"), "0x80070490");
    t_free(c);
    playbook_free(&pb);
}

static void test_dmedp_text_without_data_fields(void **state)
{
    (void)state;
    struct playbook pb;
    load_builtin(&pb);
    struct tcase *c = t_parse(&parser_eventcsv, dm_csv);
    assert_int_equal(c->ev.n, 6);
    assert_int_equal(c->src.unparsed, 0);
    assert_int_equal(c->src.role, ROLE_DEVICE_EVENTS);
    assert_string_equal(t_field(c, 2, "event-id"), "39");
    assert_string_equal(sig_id(&pb, c, 0), "dmedp-306-accepted");
    assert_string_equal(sig_id(&pb, c, 1), "dmedp-36-request-generated");
    assert_string_equal(sig_group(&pb, c, 1, "url"),
                        "https://<server>/certsrv/mscep/mscep.dll/pkiclient.exe");
    assert_string_equal(sig_id(&pb, c, 2), "dmedp-39-installed");
    assert_string_equal(sig_id(&pb, c, 3), "dmedp-307-winhttp");
    assert_string_equal(sig_id(&pb, c, 4), "dmedp-32-enroll-failed");
    assert_string_equal(sig_group(&pb, c, 4, "hresult"), "0x80072f78");
    assert_string_equal(sig_id(&pb, c, 5), "dmedp-32-hash-not-correct");
    t_free(c);
    playbook_free(&pb);
}

/* ---- evtx: what it refuses, and says why --------------------------------------------------- */

static struct bundle *load_bytes(const char *name, const unsigned char *p, size_t n, char **path)
{
    *path = tmp_path(name);
    write_file(*path, p, n);
    struct bundle *b = calloc(1, sizeof *b);
    assert_non_null(b);
    assert_true(bundle_add_path(b, *path));
    assert_true(bundle_load(b));
    assert_int_equal(b->nsrc, 1);
    return b;
}

static void done(struct bundle *b, char *path)
{
    bundle_free(b);
    free(b);
    unlink(path);
    free(path);
}

static void test_evtx_refusals(void **state)
{
    (void)state;
    size_t n = 70000;
    unsigned char *v = calloc(1, n);
    assert_non_null(v);
    memcpy(v, "ElfFile", 8);
    assert_int_equal(parser_evtx.sniff_raw(v, n), 100);

    /* cut short: not even its header */
    char *path;
    struct bundle *b = load_bytes("short.evtx", v, 100, &path);
    assert_true(b->src[0]->skipped);
    assert_non_null(strstr(b->src[0]->notes[0], "cut short"));
    assert_int_equal(b->nev, 0);
    done(b, path);

    /* a header with the dirty flag, and garbage after the magic */
    v[120] = 0x1;
    for (size_t i = 8; i < 120; i++)
        v[i] = (unsigned char)(i * 37);
    for (size_t i = 4096; i < n; i++)
        v[i] = (unsigned char)(i * 131 + 7);
    b = load_bytes("dirty.evtx", v, n, &path);
    assert_true(b->src[0]->skipped);
    assert_non_null(strstr(b->src[0]->notes[0], "Windows event log (.evtx)"));
    assert_int_equal(b->nev, 0);
    done(b, path);

    /* a clean-looking header, chunk magic, nothing readable in it */
    memset(v + 8, 0, 4088);
    v[32] = 128; /* header size */
    v[38] = 3;   /* major version */
    v[40] = 0;
    v[41] = 0x10; /* header block size 4096 */
    v[42] = 1;    /* one chunk */
    memcpy(v + 4096, "ElfChnk", 8);
    b = load_bytes("garbage.evtx", v, n, &path);
    assert_true(b->src[0]->skipped);
    assert_int_equal(b->nev, 0);
    done(b, path);
    free(v);
}

/* ---- evtx: a real file written by Windows, and damaged copies of it ----------------------- */

/* tests/fixtures/evtx/README.md says where it comes from and what evtxinfo and evtxexport
 * (libevtx-utils) say of it: the values below are theirs. */
#define REAL_EVTX "tests/fixtures/evtx/System.evtx"
#define REAL_SIZE 1118208u
#define REAL_FIRST 12049u /* record numbers 12049..13649, 1601 records, none recovered */
#define REAL_LAST 13649u
#define REAL_RECORDS 1601u
#define CHUNK_AT(i) (4096u + (size_t)(i) * 65536u) /* chunk i (from 0) in the file */
#define ALL_READ_NOTE "1601 events rendered one a line; each one's line number is its record " \
                      "number (EventRecordID)"
#define DIRTY_NOTE "the header's dirty flag is set (the file was not closed: copied while the " \
                   "Event Log service had it open, or the machine stopped): read all the same"

static unsigned char *real_evtx(void)
{
    FILE *f = fopen(REAL_EVTX, "rb");
    assert_non_null(f);
    unsigned char *v = malloc(REAL_SIZE + 1);
    assert_non_null(v);
    assert_int_equal(fread(v, 1, REAL_SIZE + 1, f), REAL_SIZE);
    fclose(f);
    return v;
}

/* The event whose line (record number) is rec, or NULL. */
static const struct event *by_record(const struct bundle *b, uint64_t rec)
{
    const struct event *found = NULL;
    for (size_t i = 0; i < b->nev; i++)
        if (b->ev[i].line == rec) {
            assert_null(found); /* once */
            found = &b->ev[i];
        }
    return found;
}

/* Field name of the event of record rec, NUL-terminated (in buf), or NULL when absent. */
static const char *rec_field(const struct bundle *b, uint64_t rec, const char *name,
                             char *buf, size_t cap)
{
    const struct event *e = by_record(b, rec);
    assert_non_null(e);
    const struct source *s = b->src[e->src];
    struct span f;
    if (!s->parser->field(s, e, name, &f))
        return NULL;
    assert_true(f.n < cap);
    memcpy(buf, f.p, f.n);
    buf[f.n] = 0;
    return buf;
}

static const char *rec_time(const struct bundle *b, uint64_t rec, char *buf)
{
    const struct event *e = by_record(b, rec);
    assert_non_null(e);
    time_format_iso(e->t, buf);
    return buf;
}

/* How many of the records lo..hi are there. */
static size_t records_in(const struct bundle *b, uint64_t lo, uint64_t hi)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nev; i++)
        if (b->ev[i].line >= lo && b->ev[i].line <= hi)
            n++;
    return n;
}

/* The notes of the only source, exactly. */
static void notes_are(const struct bundle *b, const char *const *want, unsigned n)
{
    const struct source *s = b->src[0];
    for (unsigned i = 0; i < s->nnotes && i < n; i++)
        assert_string_equal(s->notes[i], want[i]);
    assert_int_equal(s->nnotes, n);
}

/* Where record id starts in chunk i of v, and its size (walking the chunk's records). */
static size_t record_at(const unsigned char *v, unsigned chunk, uint64_t id, uint32_t *size)
{
    size_t off = CHUNK_AT(chunk) + 512, end = CHUNK_AT(chunk + 1);
    while (off + 24 <= end && memcmp(v + off, "**\0\0", 4) == 0) {
        uint32_t sz = (uint32_t)v[off + 4] | (uint32_t)v[off + 5] << 8 |
                      (uint32_t)v[off + 6] << 16 | (uint32_t)v[off + 7] << 24;
        uint64_t rid = 0;
        for (int k = 7; k >= 0; k--)
            rid = rid << 8 | v[off + 8 + (size_t)k];
        if (rid == id) {
            *size = sz;
            return off;
        }
        assert_true(sz >= 24);
        off += sz;
    }
    fail_msg("record %llu not in chunk %u", (unsigned long long)id, chunk);
    return 0;
}

static void test_evtx_real(void **state)
{
    (void)state;
    char *path = strdup(REAL_EVTX);
    assert_non_null(path);
    struct bundle *b = calloc(1, sizeof *b);
    assert_non_null(b);
    assert_true(bundle_add_path(b, path));
    assert_true(bundle_load(b));
    assert_int_equal(b->nsrc, 1);
    const struct source *s = b->src[0];
    assert_false(s->skipped);
    assert_string_equal(s->parser->name, "evtx");
    assert_int_equal(s->role, ROLE_EVENTS);
    /* evtxinfo: 1601 records, 0 recovered; every record once, numbered 12049..13649 */
    assert_int_equal(b->nev, REAL_RECORDS);
    assert_int_equal(s->events, REAL_RECORDS);
    assert_int_equal(s->lines, REAL_RECORDS);
    assert_int_equal(s->unparsed, 0);
    assert_int_equal(records_in(b, REAL_FIRST, REAL_LAST), REAL_RECORDS);
    for (uint64_t r = REAL_FIRST; r <= REAL_LAST; r++)
        assert_non_null(by_record(b, r));
    /* the header's dirty flag (evtxinfo: "Is dirty"), and nothing else to say */
    const char *const notes[] = { ALL_READ_NOTE, DIRTY_NOTE };
    notes_are(b, notes, 2);
    char buf[256], tb[40];
    /* the earliest and the latest event (record 12050 was written before 12049) */
    time_format_iso(s->first, tb);
    assert_string_equal(tb, "2012-03-14T04:17:38.276Z");
    time_format_iso(s->last, tb);
    assert_string_equal(tb, "2012-04-08T01:28:13.923Z");

    /* the first record: Eventlog 105, the log backed up (UserData) */
    assert_string_equal(rec_field(b, 12049, "record", buf, sizeof buf), "12049");
    assert_string_equal(rec_field(b, 12049, "event-id", buf, sizeof buf), "105");
    assert_string_equal(rec_field(b, 12049, "provider", buf, sizeof buf),
                        "Microsoft-Windows-Eventlog");
    assert_string_equal(rec_field(b, 12049, "channel", buf, sizeof buf), "System");
    assert_string_equal(rec_field(b, 12049, "computer", buf, sizeof buf),
                        "WKS-WIN764BITB.shieldbase.local");
    assert_string_equal(rec_field(b, 12049, "level", buf, sizeof buf), "info");
    assert_string_equal(rec_field(b, 12049, "BackupPath", buf, sizeof buf),
                        "C:\\Windows\\System32\\Winevt\\Logs\\"
                        "Archive-System-2012-03-14-04-17-39-932.evtx");
    /* 2012-03-14T04:17:43.354562700Z: microseconds kept, the 100 ns cut */
    assert_true(by_record(b, 12049)->t == civil_to_us(2012, 3, 14, 4, 17, 43, 354562));
    assert_string_equal(rec_time(b, 12049, tb), "2012-03-14T04:17:43.354Z");

    /* in the middle: a warning with named data, an unnamed-data error, a critical one */
    assert_string_equal(rec_field(b, 13034, "event-id", buf, sizeof buf), "50");
    assert_string_equal(rec_field(b, 13034, "provider", buf, sizeof buf),
                        "Microsoft-Windows-Time-Service");
    assert_string_equal(rec_field(b, 13034, "channel", buf, sizeof buf), "System");
    assert_string_equal(rec_field(b, 13034, "computer", buf, sizeof buf),
                        "WKS-WIN764BITB.shieldbase.local");
    assert_string_equal(rec_field(b, 13034, "level", buf, sizeof buf), "warning");
    assert_int_equal(by_record(b, 13034)->level, LEVEL_WARNING);
    assert_string_equal(rec_field(b, 13034, "TimeDifferenceMilliseconds", buf, sizeof buf),
                        "5000");
    assert_string_equal(rec_field(b, 13034, "TimeSampleSeconds", buf, sizeof buf), "900");
    assert_string_equal(rec_time(b, 13034, tb), "2012-03-25T11:41:31.511Z");
    assert_string_equal(rec_field(b, 12835, "provider", buf, sizeof buf), "TermDD");
    assert_string_equal(rec_field(b, 12835, "event-id", buf, sizeof buf), "56");
    assert_int_equal(by_record(b, 12835)->level, LEVEL_ERROR); /* Error (2) */
    assert_string_equal(rec_field(b, 12835, "Data2", buf, sizeof buf), "10.3.16.5");
    assert_string_equal(rec_field(b, 13392, "provider", buf, sizeof buf),
                        "Microsoft-Windows-Kernel-Power");
    assert_string_equal(rec_field(b, 13392, "event-id", buf, sizeof buf), "41");
    assert_int_equal(by_record(b, 13392)->level, LEVEL_ERROR); /* Critical (1) */
    assert_string_equal(rec_field(b, 13392, "BugcheckCode", buf, sizeof buf), "65537");
    assert_string_equal(rec_time(b, 13392, tb), "2012-04-06T14:07:06.625Z");

    /* the last record, its whole line */
    assert_string_equal(rec_field(b, 13649, "event-id", buf, sizeof buf), "7036");
    assert_string_equal(rec_field(b, 13649, "provider", buf, sizeof buf),
                        "Service Control Manager");
    assert_string_equal(rec_field(b, 13649, "channel", buf, sizeof buf), "System");
    assert_string_equal(rec_field(b, 13649, "level", buf, sizeof buf), "info");
    assert_string_equal(rec_field(b, 13649, "param2", buf, sizeof buf), "stopped");
    assert_string_equal(rec_time(b, 13649, tb), "2012-04-08T01:28:13.923Z");
    const struct event *e = by_record(b, REAL_LAST);
    struct span m = event_message(s, e);
    assert_true(m.n < sizeof buf);
    memcpy(buf, m.p, m.n);
    buf[m.n] = 0;
    assert_string_equal(buf, "[System 7036] Service Control Manager "
                             "WKS-WIN764BITB.shieldbase.local: param1=WinHTTP Web Proxy "
                             "Auto-Discovery Service param2=stopped");
    bundle_free(b);
    free(b);
    free(path);
}

/* The header's dirty flag: set in the real file (a live log copied), cleared here. */
static void test_evtx_real_dirty_flag(void **state)
{
    (void)state;
    unsigned char *v = real_evtx();
    assert_int_equal(v[120], 0x1); /* flags: dirty */
    v[120] = 0;
    char *path;
    struct bundle *b = load_bytes("clean.evtx", v, REAL_SIZE, &path);
    assert_false(b->src[0]->skipped);
    assert_int_equal(b->nev, REAL_RECORDS);
    assert_int_equal(records_in(b, REAL_FIRST, REAL_LAST), REAL_RECORDS);
    const char *const notes[] = { ALL_READ_NOTE };
    notes_are(b, notes, 1);
    done(b, path);
    free(v);
}

/* A file whose template claims a billion values (found by the fuzzer, from the real file's
 * first chunk): libevtx allocates and fills memory until the kernel kills the program (24 GB
 * seen). The trial process is killed at its bound instead, and the call it was in is left out:
 * the rest of the file is read, in well under the time the bound allows, and a note says
 * what was left out. */
static void test_evtx_bounded_trial(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fuzz/crashes/evtx/template-claims-a-billion-values.evtx", "rb");
    assert_non_null(f);
    static unsigned char v[65536];
    size_t n = fread(v, 1, sizeof v, f);
    fclose(f);
    assert_int_equal(n, 54229);
    char *path;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct bundle *b = load_bytes("bomb.evtx", v, n, &path);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 30); /* killed at its memory bound, not its time */
    const struct source *s = b->src[0];
    assert_false(s->skipped);
    assert_int_equal(b->nev, 41);
    assert_int_equal(records_in(b, REAL_FIRST, REAL_FIRST + 1), 2);
    assert_string_equal(s->notes[s->nnotes - 1],
                        "1 of its records or chunks left out: libevtx went past 256 MB or 60 s "
                        "on them, or crashed (a damaged file)");
    done(b, path);
}

/* Cut short: inside a chunk (its piece is read alone), at a chunk's end, in a chunk's header,
 * and before any chunk. evtxinfo reads only whole chunks: 708 records (chunks 0-3) for the
 * first three. */
static void test_evtx_real_cut(void **state)
{
    (void)state;
    unsigned char *v = real_evtx();
    char *path;
    /* 30000 bytes into chunk 4 (the 5th): records 12757..12833 end before the cut, 12834
     * straddles it */
    struct bundle *b = load_bytes("cut-mid-chunk.evtx", v, CHUNK_AT(4) + 30000, &path);
    assert_false(b->src[0]->skipped);
    assert_int_equal(b->nev, 708 + 77);
    assert_int_equal(records_in(b, REAL_FIRST, 12833), 708 + 77);
    assert_null(by_record(b, 12834));
    char buf[256];
    assert_string_equal(rec_field(b, 12833, "event-id", buf, sizeof buf), "7036");
    const char *const mid[] = {
        ("785 events rendered one a line; each one's line number is its record number "
         "(EventRecordID)"), DIRTY_NOTE,
        ("the file is cut short: it ends 30000 bytes into chunk 5 (the header counts 9): 77 "
         "events read from that piece, the rest of it is lost") };
    notes_are(b, mid, 3);
    done(b, path);

    /* at the end of chunk 3: the header counts 9 chunks */
    b = load_bytes("cut-chunk-end.evtx", v, CHUNK_AT(4), &path);
    assert_int_equal(b->nev, 708);
    assert_int_equal(records_in(b, REAL_FIRST, 12756), 708);
    const char *const end[] = {
        ("708 events rendered one a line; each one's line number is its record number "
         "(EventRecordID)"), DIRTY_NOTE,
        ("the header counts 9 chunks, the file holds 4 that are not empty: it may have been "
         "cut short at the end of a chunk") };
    notes_are(b, end, 3);
    done(b, path);

    /* 300 bytes into chunk 4: inside its header */
    b = load_bytes("cut-chunk-header.evtx", v, CHUNK_AT(4) + 300, &path);
    assert_int_equal(b->nev, 708);
    assert_non_null(strstr(b->src[0]->notes[2], "the file is cut short: it ends 300 bytes into "
                                                 "chunk 5, inside the chunk's header"));
    done(b, path);

    /* 100 bytes after the file header: no event */
    b = load_bytes("cut-first-chunk.evtx", v, CHUNK_AT(0) + 100, &path);
    assert_true(b->src[0]->skipped);
    assert_int_equal(b->nev, 0);
    assert_string_equal(b->src[0]->notes[0], "Windows event log (.evtx): cut short: no whole "
                                             "chunk of events in it");
    done(b, path);

    /* one byte short of the end: the last slot is zero-filled, nothing lost */
    b = load_bytes("cut-empty-slot.evtx", v, REAL_SIZE - 1, &path);
    assert_int_equal(b->nev, REAL_RECORDS);
    assert_string_equal(b->src[0]->notes[2], "the file is cut short: it ends 65535 bytes into "
                                             "chunk 17, an empty one (zero-filled): no event "
                                             "in it");
    done(b, path);
    free(v);
}

/* A chunk's checksum broken, and a chunk's header overwritten (libevtx then refuses the whole
 * file: evtxinfo "Unable to open"). Chunk 3 (the 4th) holds records 12575..12756. */
static void test_evtx_real_bad_chunk(void **state)
{
    (void)state;
    unsigned char *v = real_evtx();
    char *path;
    /* its stored header checksum: libevtx reads the chunk all the same, and says it is
     * corrupted; every event is there, and the note says which chunk to doubt */
    v[CHUNK_AT(3) + 124] ^= 0xff;
    struct bundle *b = load_bytes("bad-crc.evtx", v, REAL_SIZE, &path);
    assert_false(b->src[0]->skipped);
    assert_int_equal(b->nev, REAL_RECORDS);
    assert_int_equal(records_in(b, REAL_FIRST, REAL_LAST), REAL_RECORDS);
    const char *const crc[] = {
        ALL_READ_NOTE, DIRTY_NOTE,
        ("chunk 4 of 17 (records 12575-12756 by its header) fails its header checksum: its "
         "events are shown as libevtx read them; some may be missing or damaged") };
    notes_are(b, crc, 3);
    done(b, path);
    v[CHUNK_AT(3) + 124] ^= 0xff;

    /* its header size, last record and free space offsets, records checksum overwritten:
     * the other chunks are read one by one */
    unsigned char keep[24];
    memcpy(keep, v + CHUNK_AT(3) + 40, sizeof keep);
    memset(v + CHUNK_AT(3) + 40, 0xee, sizeof keep);
    b = load_bytes("bad-chunk-header.evtx", v, REAL_SIZE, &path);
    assert_false(b->src[0]->skipped);
    assert_int_equal(b->nev, REAL_RECORDS - 182);
    assert_int_equal(records_in(b, 12575, 12756), 0);
    assert_int_equal(records_in(b, REAL_FIRST, 12574), 12574 - REAL_FIRST + 1);
    assert_int_equal(records_in(b, 12757, REAL_LAST), REAL_LAST - 12757 + 1);
    const char *const hdr[] = {
        ("1419 events rendered one a line; each one's line number is its record number "
         "(EventRecordID)"), DIRTY_NOTE,
        ("libevtx cannot open the file as a whole (unsupported header size: 4008636142): its 9 "
         "chunks were read one by one"),
        ("chunk 4 of 17 (records 12575-12756 by its header) left out: libevtx cannot read it "
         "(unsupported header size: 4008636142)") };
    notes_are(b, hdr, 4);
    done(b, path);
    memcpy(v + CHUNK_AT(3) + 40, keep, sizeof keep);
    free(v);
}

/* Garbage in the middle of record 13000 (chunk 5, records 12931..13107), then over its
 * header. */
static void test_evtx_real_garbage_record(void **state)
{
    (void)state;
    unsigned char *v = real_evtx();
    uint32_t size = 0;
    size_t at = record_at(v, 5, 13000, &size);
    assert_int_equal(size, 296);
    unsigned char keep[48];
    memcpy(keep, v + at + size / 2, sizeof keep);
    for (size_t i = 0; i < sizeof keep; i++)
        v[at + size / 2 + i] = (unsigned char)(i * 131 + 7);
    /* its binary XML broken: libevtx cannot read it (evtxexport stops there), the others are
     * all read */
    char *path;
    struct bundle *b = load_bytes("garbage-in-record.evtx", v, REAL_SIZE, &path);
    assert_false(b->src[0]->skipped);
    assert_int_equal(b->nev, REAL_RECORDS - 1);
    assert_null(by_record(b, 13000));
    assert_int_equal(records_in(b, REAL_FIRST, REAL_LAST), REAL_RECORDS - 1);
    const char *const mid[] = {
        ("1600 events rendered one a line; each one's line number is its record number "
         "(EventRecordID)"), DIRTY_NOTE,
        ("chunk 6 of 17 (records 12931-13107 by its header) fails its records checksum: its "
         "events are shown as libevtx read them; some may be missing or damaged"),
        "1 record libevtx could not read is left out: the one after record 12999" };
    notes_are(b, mid, 4);
    done(b, path);
    memcpy(v + at + size / 2, keep, sizeof keep);

    /* its size and number overwritten: libevtx's walk of the chunk stops there, and the
     * records after it come back as recovered ones (evtxinfo: 1493 records, 107 recovered) */
    memset(v + at + 4, 0xee, 8);
    b = load_bytes("garbage-record-header.evtx", v, REAL_SIZE, &path);
    assert_int_equal(b->nev, REAL_RECORDS - 1);
    assert_null(by_record(b, 13000));
    assert_int_equal(records_in(b, 13001, 13107), 107);
    assert_int_equal(records_in(b, REAL_FIRST, REAL_LAST), REAL_RECORDS - 1);
    const char *const hdr[] = {
        ("1600 events rendered one a line; each one's line number is its record number "
         "(EventRecordID)"), DIRTY_NOTE,
        ("107 of them recovered by libevtx from outside the chunks' lists of records (free "
         "space, past a damaged record): they may be old or repeated"),
        ("chunk 6 of 17 (records 12931-13107 by its header) fails its records checksum: its "
         "events are shown as libevtx read them; some may be missing or damaged") };
    notes_are(b, hdr, 4);
    done(b, path);
    free(v);
}

/* ---- step 1: the sync schedule ------------------------------------------------------------ */

static void test_step1_schedule(void **state)
{
    (void)state;
    /* the seed's schedules, as the built-in playbook gives them */
    const struct pb_sync win = { true, 300, 900, 900, 7200, 28800 };
    const struct pb_sync ios = { true, 900, 21600, 21600, 0, 21600 };
    const struct pb_sync android = { true, 180, 900, 900, 7200, 28800 };
    const struct pb_sync none = { 0 };
    const int64_t H = 3600 * US_PER_SEC, M = 60 * US_PER_SEC;
    int64_t last = civil_to_us(2016, 6, 10, 2, 40, 11, 0);
    /* enrollment unknown: the steady interval */
    assert_true(step1_next_sync(&win, TIME_NONE, last) == last + 8 * H);
    assert_true(step1_next_sync(&android, TIME_NONE, last) == last + 8 * H);
    assert_true(step1_next_sync(&ios, TIME_NONE, last) == last + 6 * H);
    /* enrolled at T: the first phases */
    int64_t T = last;
    assert_true(step1_next_sync(&win, T, T + 5 * M) == T + 10 * M);
    assert_true(step1_next_sync(&win, T, T + 20 * M) == T + 35 * M);
    assert_true(step1_next_sync(&win, T, T + 3 * H) == T + 11 * H);
    assert_true(step1_next_sync(&android, T, T + 6 * M) == T + 9 * M);
    assert_true(step1_next_sync(&android, T, T + 2 * H) == T + 2 * H + 15 * M);
    assert_true(step1_next_sync(&ios, T, T + 1 * H) == T + 1 * H + 15 * M);
    assert_true(step1_next_sync(&ios, T, T + 7 * H) == T + 13 * H);
    /* no schedule, no time */
    assert_true(step1_next_sync(&win, TIME_NONE, TIME_NONE) == TIME_NONE);
    assert_true(step1_next_sync(&none, TIME_NONE, last) == TIME_NONE);
    char w[400];
    step1_words(&win, PLATFORM_WINDOWS, last, w, sizeof w);
    assert_string_equal(w, "last sync seen 2016-06-10 02:40:11 (Windows): the next automatic "
                           "sync is due about 2016-06-10 10:40 UTC (every 8 hours after the "
                           "first 2 hours 15 minutes); for a clean repro, sync the device by "
                           "hand (Settings > Accounts > Access work or school > Info > Sync)");
    step1_words(&ios, PLATFORM_IOS, last, w, sizeof w);
    assert_non_null(strstr(w, "due about 2016-06-10 08:40 UTC (every 6 hours after the first 6 "
                              "hours)"));
    step1_words(&none, PLATFORM_ANDROID, last, w, sizeof w);
    assert_non_null(strstr(w, "last sync seen 2016-06-10 02:40:11 (Android); for a clean repro"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_one_line),
        cmocka_unit_test(test_xml_pretty_and_levels),
        cmocka_unit_test(test_xml_cut_and_no_time),
        cmocka_unit_test(test_xml_entities_and_huge),
        cmocka_unit_test(test_xml_utf16),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_day_first),
        cmocka_unit_test(test_dmedp_data_fields_without_text),
        cmocka_unit_test(test_dmedp_text_without_data_fields),
        cmocka_unit_test(test_evtx_refusals),
        cmocka_unit_test(test_evtx_real),
        cmocka_unit_test(test_evtx_real_dirty_flag),
        cmocka_unit_test(test_evtx_bounded_trial),
        cmocka_unit_test(test_evtx_real_cut),
        cmocka_unit_test(test_evtx_real_bad_chunk),
        cmocka_unit_test(test_evtx_real_garbage_record),
        cmocka_unit_test(test_step1_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
