/* certutil_view.c - the CA database as `certutil -view` prints it: the text form (blocks
 * "Row N:" of "  Name: value" lines, after a "Schema:" table) and the CSV form (`-out
 * "RequestID,..." csv`: a header line of column names, one line per row). One event per row,
 * at its submission date (else its resolution date, else its certificate's effective date):
 * CA-local time without a zone, in the locale's format. Role: ca-database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certutil_common.h"
#include "parser.h"
#include "timeutil.h"

extern const struct parser parser_certutil_view;

/* The columns scepscope reads, with the names certutil gives them: the localized name of the
 * text form (English), the column name of -out and the schema. */
enum col {
    C_REQID, C_REQUESTER, C_DISP, C_DISPMSG, C_SUBMITTED, C_RESOLVED, C_NOTBEFORE, C_NOTAFTER,
    C_TEMPLATE, C_SERIAL, C_DN, C_CN, C_HASH, C_STATUS, C_COUNT
};

static const char *const col_names[C_COUNT][5] = {
    [C_REQID] = { "Issued Request ID", "Request ID", "RequestID", "Request.RequestID", NULL },
    [C_REQUESTER] = { "Requester Name", "RequesterName", "Request.RequesterName", NULL },
    [C_DISP] = { "Request Disposition", "Disposition", "Request.Disposition", NULL },
    [C_DISPMSG] = { "Request Disposition Message", "DispositionMessage",
                    "Request.DispositionMessage", NULL },
    [C_SUBMITTED] = { "Request Submission Date", "SubmittedWhen", "Request.SubmittedWhen", NULL },
    [C_RESOLVED] = { "Request Resolution Date", "ResolvedWhen", "Request.ResolvedWhen", NULL },
    [C_NOTBEFORE] = { "Certificate Effective Date", "NotBefore", NULL },
    [C_NOTAFTER] = { "Certificate Expiration Date", "NotAfter", NULL },
    [C_TEMPLATE] = { "Certificate Template", "CertificateTemplate", NULL },
    [C_SERIAL] = { "Serial Number", "SerialNumber", NULL },
    [C_DN] = { "Issued Distinguished Name", "DistinguishedName", NULL },
    [C_CN] = { "Issued Common Name", "CommonName", NULL },
    [C_HASH] = { "Certificate Hash", "CertificateHash", NULL },
    [C_STATUS] = { "Request Status Code", "StatusCode", "Request.StatusCode", NULL },
};

/* The field names the playbook asks for, and the column behind each. */
static const struct { const char *field; enum col col; } field_cols[] = {
    { "request-id", C_REQID }, { "requester", C_REQUESTER }, { "disposition", C_DISP },
    { "disposition-message", C_DISPMSG }, { "submitted", C_SUBMITTED },
    { "resolved", C_RESOLVED }, { "not-before", C_NOTBEFORE }, { "not-after", C_NOTAFTER },
    { "template", C_TEMPLATE }, { "serial", C_SERIAL }, { "thumbprint", C_HASH },
    { "status-code", C_STATUS },
};

static int col_of(struct span name)
{
    name = cu_value(name);
    for (int c = 0; c < C_COUNT; c++)
        for (size_t i = 0; col_names[c][i]; i++)
            if (span_eq_ci(name, col_names[c][i]))
                return c;
    return -1;
}

#define CSV_MAX_COLS 128
#define CSV_MAX_RECORD_LINES 1000u
#define ROW_MAX_LINES 100000u

struct view_state {
    struct cu_summary sum;
    bool csv;
    int16_t col[C_COUNT]; /* CSV: the column of each, -1 when absent */
};

/* ---- CSV ---------------------------------------------------------------------------------- */

/* Splits a CSV record (quoted values, "" inside quotes, may span lines) into up to max cells;
 * returns how many. */
static size_t csv_split(struct span rec, struct span *cell, size_t max)
{
    size_t n = 0;
    const char *p = rec.p, *end = rec.p + rec.n;
    for (;;) {
        const char *start = p;
        bool q = false;
        while (p < end && (q || *p != ',')) {
            if (*p == '"')
                q = !q;
            p++;
        }
        if (n < max)
            cell[n] = span_make(start, (size_t)(p - start));
        n++;
        if (p >= end)
            break;
        p++; /* the comma */
    }
    return n < max ? n : max;
}

/* The end of the CSV record starting at p: the newline outside quotes (or the end), and how
 * many physical lines it spans. */
static const char *csv_record_end(const char *p, const char *end, uint64_t *nlines)
{
    bool q = false;
    *nlines = 1;
    for (; p < end; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '\n') {
            if (!q)
                return p;
            if (++*nlines > CSV_MAX_RECORD_LINES)
                return NULL;
        }
    }
    return end;
}

static bool header_cols(struct span line, int16_t *col, size_t *known)
{
    struct span cell[CSV_MAX_COLS];
    size_t n = csv_split(line, cell, CSV_MAX_COLS);
    *known = 0;
    for (int c = 0; c < C_COUNT; c++)
        col[c] = -1;
    if (n < 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = col_of(cell[i]);
        if (c >= 0 && col[c] < 0) {
            col[c] = (int16_t)i;
            (*known)++;
        }
    }
    return *known >= 2;
}

/* ---- sniffing ----------------------------------------------------------------------------- */

static bool is_row_line(struct span line)
{
    line = span_trim(line);
    if (!span_starts(line, "Row ") || line.n < 6 || line.p[line.n - 1] != ':')
        return false;
    uint64_t v;
    return span_to_u64(span_make(line.p + 4, line.n - 5), &v);
}

static bool is_trailer(struct span line)
{
    line = span_trim(line);
    return span_starts(line, "Maximum Row Index:") || span_starts(line, "CertUtil:") ||
           (line.n > 5 && line.p[0] >= '0' && line.p[0] <= '9' &&
            (span_find(line, " Rows") || span_find(line, " Row")) && line.n < 24);
}

static int view_sniff(const char *head, size_t n)
{
    struct line_iter it;
    line_iter_init(&it, head, n);
    struct span line;
    bool prev_row = false, schema = false;
    int lines = 0;
    while (line_iter_next(&it, &line) && lines++ < 400) {
        struct span t = span_trim(line);
        if (!t.n)
            continue;
        if (prev_row) {
            struct span name, value;
            if (cu_name_value(line, &name, &value) && col_of(name) >= 0)
                return 85;
            prev_row = false;
        }
        if (is_row_line(line)) {
            prev_row = true;
            continue;
        }
        if (span_eq(t, "Schema:"))
            schema = true;
        if (schema && span_find(t, "Column Name") && span_find(t, "Localized Name"))
            return 70;
        if (lines <= 3 && memchr(t.p, ',', t.n)) {
            int16_t col[C_COUNT];
            size_t known;
            if (header_cols(t, col, &known) && known >= 3)
                return 85;
        }
    }
    return 0;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* The time of a row from its date columns, and the note when a date could not be read. */
struct row_time {
    int64_t t;
    uint64_t bad_line; /* the line of a date that could not be read (0: none) */
    const char *why;
};

static void row_date(struct source *s, struct row_time *rt, int rank[1], int c, struct span v,
                     uint64_t lineno)
{
    /* submission first, then resolution, then the certificate's effective date */
    int r = c == C_SUBMITTED ? 3 : c == C_RESOLVED ? 2 : c == C_NOTBEFORE ? 1 : 0;
    if (!r || r <= rank[0])
        return;
    int64_t wall;
    const char *why;
    v = cu_value(v);
    if (!v.n || span_eq(v, "EMPTY"))
        return;
    if (!locale_date_parse(v.p, v.n, &wall, &why)) {
        if (!rt->bad_line) {
            rt->bad_line = lineno;
            rt->why = why;
        }
        return;
    }
    rank[0] = r;
    rt->t = parse_to_utc(s, wall, ZONE_ASSUMED_UTC, 0);
}

static enum level level_of(const char *disp)
{
    if (!disp)
        return LEVEL_INFO;
    if (!strcmp(disp, "denied") || !strcmp(disp, "failed"))
        return LEVEL_ERROR;
    if (!strcmp(disp, "pending") || !strcmp(disp, "revoked"))
        return LEVEL_WARNING;
    return LEVEL_INFO;
}

static bool finish_row(struct source *s, struct evbuf *out, const char *rec, size_t len,
                       uint64_t line, uint64_t nlines, struct row_time *rt, const char *disp,
                       const char *what)
{
    if (rt->t == TIME_NONE) {
        if (rt->bad_line)
            source_note(s, rt->bad_line, "%s: date not read: %s; the row keeps the time of the "
                        "row before it", what, rt->why);
        else
            source_note(s, line, "%s has no date (cut short?): it keeps the time of the row "
                        "before it", what);
    }
    return parse_emit(s, out, rec, len, line, nlines, rt->t, level_of(disp)) != NULL;
}

static bool parse_csv(struct source *s, struct evbuf *out, struct view_state *st)
{
    const char *p = s->text, *end = s->text + s->size;
    uint64_t lineno = 0;
    bool have_header = false;
    while (p < end) {
        uint64_t nl;
        const char *e = csv_record_end(p, end, &nl);
        if (!e) { /* a quote never closed: this line alone, raw */
            e = memchr(p, '\n', (size_t)(end - p));
            e = e ? e : end;
            nl = 1;
        }
        struct span rec = span_make(p, (size_t)(e - p));
        if (rec.n && rec.p[rec.n - 1] == '\r')
            rec.n--;
        uint64_t first = lineno + 1;
        lineno += nl;
        s->lines += nl;
        p = e < end ? e + 1 : end;
        struct span t = span_trim(rec);
        if (!t.n) {
            s->blank += nl;
            continue;
        }
        size_t known;
        if (!have_header && header_cols(t, st->col, &known)) {
            have_header = true;
            s->header += nl;
            continue;
        }
        if (is_trailer(t)) {
            s->header += nl;
            continue;
        }
        if (!have_header) {
            if (!parse_emit_raw(s, out, rec, first, "before the CSV header line of column names"))
                return false;
            s->continuation += nl - 1;
            continue;
        }
        struct span cell[CSV_MAX_COLS];
        size_t n = csv_split(rec, cell, CSV_MAX_COLS);
        struct row_time rt = { TIME_NONE, 0, NULL };
        int rank = 0;
        const char *disp = NULL;
        size_t found = 0;
        for (int c = 0; c < C_COUNT; c++) {
            if (st->col[c] < 0 || (size_t)st->col[c] >= n)
                continue;
            found++;
            if (c == C_DISP)
                disp = cu_disposition(cell[st->col[c]]);
            row_date(s, &rt, &rank, c, cell[st->col[c]], first);
        }
        if (found < 2) {
            if (!parse_emit_raw(s, out, rec, first, "fewer cells than the header names"))
                return false;
            s->continuation += nl - 1;
            continue;
        }
        char what[48];
        snprintf(what, sizeof what, "the row on line %llu", (unsigned long long)first);
        if (!finish_row(s, out, rec.p, rec.n, first, nl, &rt, disp, what))
            return false;
    }
    return true;
}

static bool parse_text(struct source *s, struct evbuf *out)
{
    struct line_iter it;
    line_iter_init(&it, s->text, s->size);
    struct span line;
    bool seen_row = false;
    bool more = line_iter_next(&it, &line);
    while (more) {
        s->lines++;
        uint64_t lineno = it.lineno;
        if (!span_trim(line).n) {
            s->blank++;
            more = line_iter_next(&it, &line);
            continue;
        }
        if (!is_row_line(line)) {
            if (!seen_row || is_trailer(line)) {
                s->header++; /* the schema before the rows, the counts after them */
            } else if (!parse_emit_raw(s, out, line, lineno, "not inside a \"Row N:\" block")) {
                return false;
            }
            more = line_iter_next(&it, &line);
            continue;
        }
        seen_row = true;
        /* a row: "Row N:" and the indented lines under it */
        const char *rec = line.p;
        struct span last = line;
        uint64_t nlines = 1;
        struct row_time rt = { TIME_NONE, 0, NULL };
        int rank = 0;
        const char *disp = NULL;
        struct span rowname = span_trim(line);
        more = line_iter_next(&it, &line);
        while (more && line.n && (line.p[0] == ' ' || line.p[0] == '\t') &&
               span_trim(line).n && nlines < ROW_MAX_LINES) {
            s->lines++;
            nlines++;
            last = line;
            struct span name, value;
            if (cu_name_value(line, &name, &value)) {
                int c = col_of(name);
                if (c == C_DISP)
                    disp = cu_disposition(value);
                if (c >= 0)
                    row_date(s, &rt, &rank, c, value, it.lineno);
            }
            more = line_iter_next(&it, &line);
        }
        char what[64];
        snprintf(what, sizeof what, "%.*s (line %llu)", (int)(rowname.n - 1 < 20 ? rowname.n - 1
                 : 20), rowname.p, (unsigned long long)lineno);
        if (!finish_row(s, out, rec, (size_t)(last.p + last.n - rec), lineno, nlines, &rt, disp,
                        what))
            return false;
    }
    return true;
}

static bool view_parse(struct source *s, struct evbuf *out)
{
    struct view_state *st = calloc(1, sizeof *st);
    if (!st)
        return false;
    s->pstate = st;
    s->role = ROLE_CA_DB;
    /* CSV when the first line that is not blank is a header of known column names */
    struct line_iter it;
    line_iter_init(&it, s->text, s->size);
    struct span line;
    while (line_iter_next(&it, &line)) {
        struct span t = span_trim(line);
        if (!t.n)
            continue;
        size_t known;
        st->csv = memchr(t.p, ',', t.n) && header_cols(t, st->col, &known);
        break;
    }
    size_t from = out->n;
    if (!(st->csv ? parse_csv(s, out, st) : parse_text(s, out)))
        return false;
    static const char *const fl[][2] = {
        { "request-id", "request " }, { "requester", "by " }, { "disposition", "" },
        { "disposition-message", "message " }, { "template", "template " }, { "subject", "subject " },
        { "serial", "serial " }, { "not-before", "valid from " }, { "not-after", "to " },
        { "thumbprint", "thumbprint " },
    };
    return cu_summarize(&st->sum, &parser_certutil_view, s, out, from, fl,
                        sizeof fl / sizeof fl[0]);
}

/* A row's message is its summary (the raw view shows the row's lines). */
static struct span view_message(const struct source *s, const struct event *ev)
{
    const struct view_state *st = s->pstate;
    struct span m;
    if (st && cu_sum_find(&st->sum, ev->line, &m))
        return m;
    return span_make(s->text + event_off(ev), ev->len);
}

/* The value of column c in the row of ev: false when the row has none. */
static bool row_col(const struct source *s, const struct event *ev, int c, struct span *out)
{
    const struct view_state *st = s->pstate;
    struct span rec = span_make(s->text + event_off(ev), ev->len);
    if (st && st->csv) {
        if (st->col[c] < 0)
            return false;
        struct span cell[CSV_MAX_COLS];
        size_t n = csv_split(rec, cell, CSV_MAX_COLS);
        if ((size_t)st->col[c] >= n)
            return false;
        *out = cell[st->col[c]];
        return true;
    }
    struct line_iter it;
    line_iter_init(&it, rec.p, rec.n);
    struct span line;
    while (line_iter_next(&it, &line)) {
        struct span name, value;
        if (cu_name_value(line, &name, &value) && col_of(name) == c) {
            *out = value;
            return true;
        }
    }
    return false;
}

static bool view_field(const struct source *s, const struct event *ev, const char *name,
                       struct span *out)
{
    struct span v;
    if (!strcmp(name, "subject")) {
        if (!row_col(s, ev, C_DN, &v) && !row_col(s, ev, C_CN, &v))
            return false;
        *out = cu_value(v);
        return true;
    }
    for (size_t i = 0; i < sizeof field_cols / sizeof field_cols[0]; i++) {
        if (strcmp(name, field_cols[i].field) != 0)
            continue;
        if (!row_col(s, ev, (int)field_cols[i].col, &v))
            return false;
        if (field_cols[i].col == C_DISP) {
            const char *w = cu_disposition(v);
            if (!w)
                return false;
            *out = span_cstr(w);
        } else if (field_cols[i].col == C_REQID) {
            *out = cu_request_id(v);
        } else {
            *out = cu_value(v);
            if (span_eq(*out, "EMPTY")) /* certutil's word for a column without a value */
                return false;
        }
        return true;
    }
    return false;
}

static void view_free(struct source *s)
{
    struct view_state *st = s->pstate;
    if (st)
        cu_sum_free(&st->sum);
    free(s->pstate);
    s->pstate = NULL;
}

const struct parser parser_certutil_view = {
    .name = "certutil-view",
    .title = "CA database (certutil -view, text or CSV)",
    .sniff = view_sniff,
    .sniff_raw = NULL,
    .parse = view_parse,
    .message = view_message,
    .field = view_field,
    .fields = NULL,
    .free_state = view_free,
};
