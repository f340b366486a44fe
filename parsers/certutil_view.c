/* certutil_view.c - the CA database as `certutil -view` prints it: the text form (blocks
 * "Row N:" of "  Name: value" lines, after a "Schema:" table, and a trailer "Maximum Row
 * Index: N", "N Rows", size statistics, "CertUtil: -view command completed successfully.")
 * and the CSV form (`-out "RequestID,..." csv`: a header line of column names, one record per
 * row). A row of the text form runs to the next "Row N:" or the trailer: under its indented
 * fields certutil prints binary columns as PEM blocks, -v adds hex dumps and decoded requests
 * and certificates, and a quoted value may span lines; none of those lines is a field. One
 * event per row, at its submission date (else its resolution date, else its certificate's
 * effective date): CA-local time without a zone, in the locale's format, or UTC when -gmt
 * marked it " GMT". Role: ca-database. */
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

/* The column of a line of the text form: a row's own fields are indented ("  Request
 * Disposition: ...") and named by their localized names, which have spaces; the decoded
 * request or certificate that -v prints inside a row is not ("Serial Number: ...",
 * " NotBefore: ..."). -1 when the line is not a field of the row. */
static int text_col(struct span line, struct span *value)
{
    struct span name;
    if (!line.n || (line.p[0] != ' ' && line.p[0] != '\t') || !cu_name_value(line, &name, value) ||
        !memchr(name.p, ' ', name.n))
        return -1;
    return col_of(name);
}

#define CSV_MAX_COLS 128
#define CSV_MAX_RECORD_LINES 1000u
#define ROW_MAX_LINES 100000u
#define VALUE_MAX_LINES 64u /* a quoted value of the text form over several lines */

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

/* The lines after the rows: "Maximum Row Index: 4", "4 Rows", the size statistics
 * ("  20 Row Properties, Total Size = 818, Max Size = 142, Ave Size = 40", "   0 Request
 * Attributes, ...", "   0 Certificate Extensions, ...", "  20 Total Fields, ...") and
 * "CertUtil: -view command completed successfully.". */
static bool is_trailer(struct span line)
{
    line = span_trim(line);
    if (span_starts(line, "Maximum Row Index:") || span_starts(line, "CertUtil:"))
        return true;
    if (!line.n || line.p[0] < '0' || line.p[0] > '9')
        return false;
    return ((span_find(line, " Rows") || span_find(line, " Row")) && line.n < 24) ||
           span_find(line, ", Total Size = ") != NULL;
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
    int64_t t;
    const char *why;
    v = cu_value(v);
    if (!v.n || span_eq(v, "EMPTY"))
        return;
    if (!cu_date(s, v, &t, &why)) {
        if (!rt->bad_line) {
            rt->bad_line = lineno;
            rt->why = why;
        }
        return;
    }
    rank[0] = r;
    rt->t = t;
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
        /* a row: "Row N:" and every line up to the next "Row N:" or the trailer; blank lines
         * inside it are its continuation, those after its last line are blank */
        const char *rec = line.p;
        struct span last = line;
        uint64_t nlines = 1, pending = 0;
        bool seen[C_COUNT] = { false };
        struct row_time rt = { TIME_NONE, 0, NULL };
        int rank = 0;
        const char *disp = NULL;
        struct span rowname = span_trim(line);
        more = line_iter_next(&it, &line);
        while (more && !is_row_line(line) && !is_trailer(line) &&
               nlines + pending < ROW_MAX_LINES) {
            s->lines++;
            if (!span_trim(line).n) {
                pending++;
                more = line_iter_next(&it, &line);
                continue;
            }
            nlines += pending + 1;
            pending = 0;
            last = line;
            struct span value;
            int c = text_col(line, &value);
            if (c >= 0 && !seen[c]) { /* the first: -v repeats some names further down */
                seen[c] = true;
                if (c == C_DISP)
                    disp = cu_disposition(value);
                row_date(s, &rt, &rank, c, value, it.lineno);
            }
            more = line_iter_next(&it, &line);
        }
        s->blank += pending;
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

/* A value's span without spaces and line ends around it: a quoted value of the text form may
 * end with its line's end before the closing quote. */
static struct span trim_nl(struct span v)
{
    while (v.n && (v.p[0] == '\n' || v.p[0] == '\r' || v.p[0] == ' ' || v.p[0] == '\t'))
        v = span_make(v.p + 1, v.n - 1);
    while (v.n && (v.p[v.n - 1] == '\n' || v.p[v.n - 1] == '\r' || v.p[v.n - 1] == ' ' ||
                   v.p[v.n - 1] == '\t'))
        v.n--;
    return v;
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
    struct span line, value;
    while (line_iter_next(&it, &line)) {
        if (text_col(line, &value) != c)
            continue;
        /* a quoted value without its closing quote goes on over the next lines, up to the
         * line that ends with the quote ("Request Attributes: \"" and one attribute a line) */
        struct span v = span_trim(value);
        if (v.n && v.p[0] == '"' && !memchr(v.p + 1, '"', v.n - 1)) {
            struct span more;
            for (unsigned k = 0; k < VALUE_MAX_LINES && line_iter_next(&it, &more); k++) {
                struct span t = span_trim(more);
                if (t.n && t.p[t.n - 1] == '"') {
                    value = span_make(value.p, (size_t)(t.p + t.n - value.p));
                    break;
                }
            }
        }
        *out = value;
        return true;
    }
    return false;
}

static bool view_field(const struct source *s, const struct event *ev, const char *name,
                       struct span *out)
{
    struct span v;
    if (!strcmp(name, "subject")) {
        /* the distinguished name, else the common name; EMPTY is no value */
        for (int c = C_DN; c <= C_CN; c++) {
            if (row_col(s, ev, c, &v) && (v = trim_nl(cu_value(v))).n && !span_eq(v, "EMPTY")) {
                *out = v;
                return true;
            }
        }
        return false;
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
        } else if (field_cols[i].col == C_TEMPLATE) {
            *out = cu_template(v);
            if (span_eq(*out, "EMPTY"))
                return false;
        } else {
            *out = trim_nl(cu_value(v));
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
