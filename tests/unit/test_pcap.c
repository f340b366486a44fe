/* test_pcap.c - the network capture parser on captures recorded on loopback with tcpdump,
 * dumpcap and curl (the samples, tests/fixtures/pcap; tests/fixtures/pcap/make says how), and
 * on the nasty cases made from them: cut in a packet and in the file header, an unknown pcapng
 * block, a packet longer than the snap length, an empty file, an ETL trace. */
#include "testutil.h"

extern const struct parser parser_pcap;

#define P (&parser_pcap)

#define SUCCESS "samples/hybrid-success/capture/device.pcapng"
#define ALERT "samples/step2-tls-alert/capture/device.pcap"
#define FX "tests/fixtures/pcap/"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Parses the bytes [raw, raw + n) as a capture (raw stays the caller's until t_done). */
static struct tcase *t_raw(const unsigned char *raw, size_t n, const uint16_t *ports,
                           size_t nports)
{
    struct tcase *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->src.raw = raw;
    c->src.raw_size = n;
    c->src.path = strdup("test.pcap");
    c->src.parser = P;
    c->src.first = c->src.last = TIME_NONE;
    c->src.scep_ports = ports;
    c->src.nscep_ports = nports;
    assert_true(P->parse(&c->src, &c->ev));
    assert_int_equal(c->src.role, ROLE_CAPTURE);
    /* one rendered line per event, in line order, each inside the text */
    assert_int_equal(c->src.lines, c->ev.n);
    assert_int_equal(c->src.events, c->ev.n);
    assert_int_equal(t_count_lines(c->src.text, c->src.size), c->ev.n);
    for (size_t i = 0; i < c->ev.n; i++) {
        const struct event *e = &c->ev.v[i];
        assert_int_equal(e->line, i + 1);
        assert_true(event_off(e) + e->len <= c->src.size);
        if (i)
            assert_true(e->t >= c->ev.v[i - 1].t);
    }
    return c;
}

static struct tcase *t_file(const char *path, unsigned char **keep)
{
    size_t n;
    *keep = slurp(path, &n);
    return t_raw(*keep, n, NULL, 0);
}

static void t_done(struct tcase *c, unsigned char *raw)
{
    t_free(c);
    free(raw);
}

static bool has_note(const struct tcase *c, const char *needle)
{
    for (unsigned i = 0; i < c->src.nnotes; i++)
        if (strstr(c->src.notes[i], needle))
            return true;
    return false;
}

static size_t count_event(struct tcase *c, const char *kind)
{
    size_t k = 0;
    for (size_t i = 0; i < c->ev.n; i++) {
        const char *f = t_field(c, i, "event");
        k += f && strcmp(f, kind) == 0;
    }
    return k;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_sniff(void **state)
{
    (void)state;
    size_t n;
    unsigned char *a = slurp(ALERT, &n), *b = slurp(SUCCESS, &n);
    assert_int_equal(P->sniff_raw(a, 24), 100);
    assert_int_equal(P->sniff_raw(b, 12), 100);
    assert_int_equal(P->sniff_raw((const unsigned char *)"#Software: IIS", 14), 0);
    assert_int_equal(P->sniff_raw(a, 3), 0);
    assert_int_equal(P->sniff_raw(a, 0), 0);
    const unsigned char ns[4] = { 0x4d, 0x3c, 0xb2, 0xa1 };
    assert_int_equal(P->sniff_raw(ns, 4), 100);
    free(a);
    free(b);
}

/* The healthy picture: three conversations, each handshake, TLS handshake, data, close. */
static void test_success_three_conversations(void **state)
{
    (void)state;
    unsigned char *raw;
    struct tcase *c = t_file(SUCCESS, &raw);
    assert_int_equal(c->ev.n, 15);
    assert_int_equal(count_event(c, "handshake"), 3);
    assert_int_equal(count_event(c, "client-hello"), 3);
    assert_int_equal(count_event(c, "server-hello"), 3);
    assert_int_equal(count_event(c, "data"), 3);
    assert_int_equal(count_event(c, "close"), 3);
    for (size_t i = 0; i < c->ev.n; i++)
        assert_int_equal(c->ev.v[i].level, LEVEL_INFO);
    assert_string_equal(t_time(c, 0), "2016-06-10T02:44:06.012Z");
    assert_non_null(strstr(t_msg(c, 0), "TCP handshake complete (SYN 02:44:06.012, SYN-ACK +"));
    assert_string_equal(t_msg(c, 1), "127.0.0.1:40784 -> 127.0.0.1:443 TLS ClientHello "
                                     "server_name=ndes.contoso.com version=TLS 1.2");
    assert_string_equal(t_field(c, 1, "sni"), "ndes.contoso.com");
    assert_string_equal(t_field(c, 1, "tls-version"), "TLS 1.2");
    assert_string_equal(t_field(c, 1, "client"), "127.0.0.1:40784");
    assert_string_equal(t_field(c, 1, "server"), "127.0.0.1:443");
    assert_string_equal(t_field(c, 1, "server-port"), "443");
    assert_null(t_field(c, 1, "alert"));
    assert_string_equal(t_msg(c, 2), "127.0.0.1:40784 -> 127.0.0.1:443 TLS ServerHello "
                                     "version=TLS 1.2 cipher=0xc030");
    assert_string_equal(t_field(c, 2, "tls-version"), "TLS 1.2");
    assert_string_equal(t_msg(c, 3), "127.0.0.1:40784 -> 127.0.0.1:443 TLS data client->server "
                                     "346 bytes, server->client 3728 bytes");
    assert_non_null(strstr(t_msg(c, 4), "closed by client (FIN) after 89.3 ms"));
    /* the raw line carries the time to the microsecond and the packet number */
    assert_true(strncmp(c->src.text, "2016-06-10T02:44:06.012", 23) == 0);
    assert_non_null(strstr(c->src.text, " packet 3 127.0.0.1:40784 -> "));
    /* the PKIOperation's conversation: half a second, 3 KB up */
    assert_string_equal(t_time(c, 13), "2016-06-10T02:44:12.169Z");
    assert_non_null(strstr(t_msg(c, 13), "client->server 3123 bytes"));
    assert_int_equal(c->src.nnotes, 0);
    assert_int_equal(c->src.zone, ZONE_UTC);
    t_done(c, raw);
}

static void test_alert(void **state)
{
    (void)state;
    unsigned char *raw;
    struct tcase *c = t_file(ALERT, &raw);
    assert_int_equal(c->ev.n, 15);
    assert_int_equal(count_event(c, "alert"), 3);
    assert_int_equal(count_event(c, "data"), 0); /* no application data: no data line */
    assert_string_equal(t_msg(c, 3), "127.0.0.1:49280 -> 127.0.0.1:443 TLS alert fatal "
                                     "unknown_ca (48) from client");
    assert_int_equal(c->ev.v[3].level, LEVEL_ERROR);
    assert_string_equal(t_field(c, 3, "alert"), "unknown_ca");
    assert_string_equal(t_field(c, 3, "alert-level"), "fatal");
    assert_string_equal(t_field(c, 3, "event"), "alert");
    assert_non_null(strstr(t_msg(c, 4), "closed by server (FIN)"));
    t_done(c, raw);
}

/* Cut in the middle of the last packet: the packets before are read, a note says where. */
static void test_truncated_packet(void **state)
{
    (void)state;
    size_t n;
    unsigned char *raw = slurp(ALERT, &n);
    struct tcase *c = t_raw(raw, n - 10, NULL, 0);
    assert_true(has_note(c, "the capture ends inside packet"));
    assert_true(has_note(c, "libpcap: "));
    assert_true(c->ev.n >= 12); /* the first two conversations whole */
    t_done(c, raw);
    /* and in the middle of a packet's header, early on */
    raw = slurp(ALERT, &n);
    c = t_raw(raw, 24 + 16 + le32(raw + 24 + 8) + 8, NULL, 0);
    assert_true(has_note(c, "the capture ends inside packet 2"));
    t_done(c, raw);
}

static void test_truncated_header(void **state)
{
    (void)state;
    size_t n;
    unsigned char *raw = slurp(ALERT, &n);
    struct tcase *c = t_raw(raw, 10, NULL, 0);
    assert_int_equal(c->ev.n, 0);
    assert_true(has_note(c, "libpcap cannot read this capture"));
    t_done(c, raw);
    raw = slurp(SUCCESS, &n);
    c = t_raw(raw, 20, NULL, 0);
    assert_int_equal(c->ev.n, 0);
    assert_true(has_note(c, "libpcap cannot read this capture"));
    t_done(c, raw);
}

static void test_zero_length(void **state)
{
    (void)state;
    static const unsigned char none[1] = { 0 };
    assert_int_equal(P->sniff_raw(none, 0), 0);
    struct tcase *c = t_raw(none, 0, NULL, 0);
    assert_int_equal(c->ev.n, 0);
    assert_true(c->src.nnotes >= 1);
    t_done(c, NULL);
}

/* A block of a type libpcap does not know, after the interface description: skipped. */
static void test_pcapng_unknown_block(void **state)
{
    (void)state;
    size_t n;
    unsigned char *raw = slurp(SUCCESS, &n);
    assert_int_equal(le32(raw + 8), 0x1A2B3C4D); /* written on a little-endian machine */
    size_t shb = le32(raw + 4), idb = le32(raw + shb + 4), at = shb + idb;
    static const unsigned char blk[24] = {
        0xEF, 0xBE, 0xAD, 0x0B, 24, 0, 0, 0, 'n', 'o', 't', ' ', 'k', 'n', 'o', 'w',
        'n', '!', '!', '!', 24, 0, 0, 0,
    };
    unsigned char *v = malloc(n + sizeof blk);
    assert_non_null(v);
    memcpy(v, raw, at);
    memcpy(v + at, blk, sizeof blk);
    memcpy(v + at + sizeof blk, raw + at, n - at);
    struct tcase *c = t_raw(v, n + sizeof blk, NULL, 0);
    assert_int_equal(c->ev.n, 15);
    assert_int_equal(count_event(c, "client-hello"), 3);
    t_done(c, v);
    free(raw);
}

/* A packet record claiming more bytes than the snap length, or than any packet can hold. */
static void test_caplen_beyond_snaplen(void **state)
{
    (void)state;
    size_t n;
    unsigned char *raw = slurp(ALERT, &n);
    /* the file's snap length down to 100: records longer than it */
    raw[16] = 100;
    raw[17] = raw[18] = raw[19] = 0;
    struct tcase *c = t_raw(raw, n, NULL, 0);
    t_done(c, raw); /* whatever libpcap makes of it, read within bounds (ASan run) */
    /* the third packet's caplen huge: libpcap refuses it, with its number */
    raw = slurp(ALERT, &n);
    size_t off = 24;
    for (int k = 0; k < 2; k++)
        off += 16 + le32(raw + off + 8);
    raw[off + 8] = 0xff;
    raw[off + 9] = 0xff;
    raw[off + 10] = 0xff;
    raw[off + 11] = 0x7f;
    c = t_raw(raw, n, NULL, 0);
    assert_true(has_note(c, "packet 3"));
    t_done(c, raw);
}

static void test_linux_cooked(void **state)
{
    (void)state;
    unsigned char *raw;
    struct tcase *c = t_file(FX "sll.pcap", &raw);
    assert_int_equal(count_event(c, "handshake"), 1);
    assert_int_equal(count_event(c, "client-hello"), 1);
    assert_int_equal(count_event(c, "data"), 1);
    assert_int_equal(count_event(c, "close"), 1);
    t_done(c, raw);
    c = t_file(FX "sll2.pcap", &raw);
    assert_int_equal(count_event(c, "client-hello"), 1);
    for (size_t i = 0; i < c->ev.n; i++) {
        const char *ev = t_field(c, i, "event");
        if (ev && strcmp(ev, "client-hello") == 0)
            assert_non_null(strstr(t_msg(c, i), "version=TLS 1.2 (offers TLS 1.3)"));
        if (ev && strcmp(ev, "server-hello") == 0)
            assert_string_equal(t_field(c, i, "tls-version"), "TLS 1.3");
    }
    t_done(c, raw);
}

static void test_http_ipv6(void **state)
{
    (void)state;
    unsigned char *raw;
    struct tcase *c = t_file(FX "http.pcap", &raw);
    assert_int_equal(count_event(c, "http-request"), 2);
    assert_int_equal(count_event(c, "http-status"), 2);
    bool saw500 = false, sawop = false;
    for (size_t i = 0; i < c->ev.n; i++) {
        const char *ev = t_field(c, i, "event");
        if (ev && strcmp(ev, "http-status") == 0 && strcmp(t_field(c, i, "http-status"), "500") == 0) {
            saw500 = true;
            assert_int_equal(c->ev.v[i].level, LEVEL_ERROR);
            assert_non_null(strstr(t_msg(c, i), "HTTP 500 Internal Server Error (51 bytes)"));
        }
        ev = t_field(c, i, "event");
        if (ev && strcmp(ev, "http-request") == 0 &&
            strcmp(t_field(c, i, "operation"), "PKIOperation") == 0) {
            sawop = true;
            assert_non_null(strstr(t_msg(c, i), "operation=PKIOperation&message=... (message "));
            assert_string_equal(t_field(c, i, "server-port"), "80");
        }
    }
    assert_true(saw500 && sawop);
    assert_non_null(strstr(t_msg(c, 0), "[::1]:"));
    t_done(c, raw);
}

static void test_refused_and_unanswered(void **state)
{
    (void)state;
    unsigned char *raw;
    struct tcase *c = t_file(FX "refused.pcap", &raw);
    assert_int_equal(c->ev.n, 1);
    assert_string_equal(t_field(c, 0, "event"), "rst");
    assert_int_equal(c->ev.v[0].level, LEVEL_ERROR);
    assert_non_null(strstr(t_msg(c, 0), "RST from server: connection refused"));
    t_done(c, raw);
    c = t_file(FX "unanswered.pcap", &raw);
    assert_true(count_event(c, "syn-unanswered") >= 1);
    for (size_t i = 0; i < c->ev.n; i++) {
        const char *ev = t_field(c, i, "event");
        if (ev && strcmp(ev, "syn-unanswered") == 0) {
            assert_int_equal(c->ev.v[i].level, LEVEL_ERROR);
            assert_non_null(strstr(t_msg(c, i), "SYN not answered ("));
        }
    }
    t_done(c, raw);
}

/* --scep-port: conversations on other ports are not followed. */
static void test_ports(void **state)
{
    (void)state;
    size_t n;
    unsigned char *raw = slurp(SUCCESS, &n);
    static const uint16_t other[] = { 8443 };
    struct tcase *c = t_raw(raw, n, other, 1);
    assert_int_equal(c->ev.n, 0);
    assert_true(has_note(c, "none of TCP to port 8443"));
    t_done(c, raw);
    raw = slurp(SUCCESS, &n);
    static const uint16_t mine[] = { 8443, 443 };
    c = t_raw(raw, n, mine, 2);
    assert_int_equal(c->ev.n, 15);
    t_done(c, raw);
}

/* netsh trace writes ETL: recognised and sent to etl2pcapng. */
static void test_etl_recognised(void **state)
{
    (void)state;
    unsigned char etl[512] = { 0 };
    etl[1] = 0x00;
    etl[2] = 0x01; /* a 64 KiB buffer */
    etl[0x48] = 2; /* SYSTEM_TRACE_HEADER: version 2, 64-bit, flags 0xC0, hook 0 */
    etl[0x4A] = 2;
    etl[0x4B] = 0xC0;
    etl[0x4C] = 0x18;
    etl[0x4D] = 0x01;
    const char *k = source_binary_kind(etl, sizeof etl, ENC_UTF8);
    assert_non_null(k);
    assert_non_null(strstr(k, "netsh trace (ETL)"));
    assert_non_null(strstr(k, "etl2pcapng"));
    assert_int_equal(P->sniff_raw(etl, sizeof etl), 0);
    etl[0x4B] = 0; /* not an ETW header: not said to be one */
    k = source_binary_kind(etl, sizeof etl, ENC_UTF8);
    assert_true(!k || !strstr(k, "ETL"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_success_three_conversations),
        cmocka_unit_test(test_alert),
        cmocka_unit_test(test_truncated_packet),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_zero_length),
        cmocka_unit_test(test_pcapng_unknown_block),
        cmocka_unit_test(test_caplen_beyond_snaplen),
        cmocka_unit_test(test_linux_cooked),
        cmocka_unit_test(test_http_ipv6),
        cmocka_unit_test(test_refused_and_unanswered),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_etl_recognised),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
