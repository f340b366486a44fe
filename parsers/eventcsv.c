/* eventcsv.c - Event Viewer's "Save All Events As... CSV": a header `Level,Date and Time,
 * Source,Event ID,Task Category`, then one record per event with the message last; fields
 * with commas, quotes or line ends are quoted ("" inside for a quote), so a record may span
 * several lines. Dates are the exporting machine's local time, in its locale's form, without a
 * zone: read as UTC unless --tz says otherwise. */
#include <string.h>

#include "timeutil.h"
#include "winevent.h"

enum { COL_LEVEL, COL_TIME, COL_SOURCE, COL_ID, COL_TASK, COL_MESSAGE, NCOLS };

static const char HEADER[] = "Level,Date and Time,Source,Event ID,Task Category";

static int eventcsv_sniff(const char *head, size_t n)
{
    size_t k = sizeof HEADER - 1;
    return n >= k && memcmp(head, HEADER, k) == 0 ? 95 : 0;
}

/* Splits the record [p, e) into its columns (the content, without the quotes; a "" stays as
 * written). Returns how many columns it has (at most NCOLS are kept: the rest belong to the
 * message). */
static size_t split(const char *p, const char *e, struct span *col)
{
    size_t n = 0;
    while (p <= e && n < NCOLS) {
        const char *a, *z;
        if (p < e && *p == '"') {
            a = ++p;
            while (p < e) {
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        p += 2;
                        continue;
                    }
                    break;
                }
                p++;
            }
            z = p;
            if (p < e)
                p++; /* the closing quote */
            while (p < e && *p != ',')
                p++;
        } else {
            a = p;
            while (p < e && *p != ',')
                p++;
            z = p;
        }
        if (n == NCOLS - 1 && p < e && z == p) /* an unquoted message with commas */
            z = e;
        col[n++] = span_make(a, (size_t)(z - a));
        if (p >= e)
            break;
        p++; /* the comma */
        if (p == e && n < NCOLS)
            col[n++] = span_make(p, 0);
    }
    return n;
}

/* The end of the record starting at p: the first line end outside quotes (or e). *nl counts
 * the line ends inside it; *open says the text ended inside quotes. */
static const char *record_end(const char *p, const char *e, uint64_t *nl, bool *open)
{
    bool q = false;
    *nl = 0;
    for (; p < e; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '\n') {
            if (!q)
                break;
            (*nl)++;
        }
    }
    *open = q;
    if (p == e && q && *nl && e[-1] == '\n')
        (*nl)--; /* the text's last line end ends the record's last line */
    return p;
}

static bool hm_ampm(const char *p, const char *e, int *h, int *mi, int *s)
{
    size_t k = read_digits_upto(p, e, 2, h);
    if (!k || p + k >= e || p[k] != ':')
        return false;
    p += k + 1;
    if (e - p < 5 || !read_digits(p, 2, mi) || p[2] != ':' || !read_digits(p + 3, 2, s))
        return false; /* "mm:ss" must be there in full before it is read */
    p += 5;
    while (p < e && *p == ' ')
        p++;
    struct span rest = span_make(p, (size_t)(e - p));
    if (span_starts_ci(rest, "PM") && *h >= 1 && *h <= 12)
        *h = *h % 12 + 12;
    else if (span_starts_ci(rest, "AM") && *h >= 1 && *h <= 12)
        *h %= 12;
    return true;
}

/* "6/10/2016 2:44:12 AM" (month first unless day_first), "10.06.2016 02:44:12",
 * "2016-06-10 02:44:12". */
static bool read_time(struct span v, bool day_first, int64_t *wall, int *first_num)
{
    const char *p = v.p, *e = v.p + v.n;
    int a, b, c, h, mi, s;
    size_t k = read_digits_upto(p, e, 4, &a);
    if (!k || p + k >= e)
        return false;
    char sep = p[k];
    if (sep != '/' && sep != '.' && sep != '-')
        return false;
    p += k + 1;
    size_t k2 = read_digits_upto(p, e, 2, &b);
    if (!k2 || p + k2 >= e || p[k2] != sep)
        return false;
    p += k2 + 1;
    size_t k3 = read_digits_upto(p, e, 4, &c);
    if (!k3)
        return false;
    p += k3;
    while (p < e && (*p == ' ' || *p == 'T'))
        p++;
    if (!hm_ampm(p, e, &h, &mi, &s))
        return false;
    int y, mo, d;
    if (k == 4) {
        y = a, mo = b, d = c;
    } else if (sep == '.' || (sep == '/' && day_first) || sep == '-') {
        d = a, mo = b, y = c;
    } else {
        mo = a, d = b, y = c;
    }
    if (first_num)
        *first_num = k == 4 ? 0 : a;
    if (!civil_valid(y, mo, d, h, mi, s))
        return false;
    *wall = civil_to_us(y, mo, d, h, mi, s, 0);
    return true;
}

static enum level level_of(struct span v)
{
    if (span_starts_ci(v, "Error") || span_starts_ci(v, "Critical") ||
        span_starts_ci(v, "Audit Failure"))
        return LEVEL_ERROR;
    if (span_starts_ci(v, "Warning"))
        return LEVEL_WARNING;
    return LEVEL_INFO;
}

static bool eventcsv_parse(struct source *s, struct evbuf *out)
{
    const char *text = s->text, *e = s->text + s->size;
    /* first pass: is the date day first ("13/06/2016")? */
    bool day_first = false;
    const char *p = memchr(text, '\n', s->size);
    p = p ? p + 1 : e;
    while (p < e && !day_first) {
        uint64_t nl;
        bool open;
        const char *z = record_end(p, e, &nl, &open);
        struct span col[NCOLS];
        int first;
        int64_t w;
        if (split(p, z, col) > COL_TIME && read_time(col[COL_TIME], false, &w, &first) &&
            first > 12)
            day_first = true;
        else if (split(p, z, col) > COL_TIME && !read_time(col[COL_TIME], false, &w, NULL) &&
                 read_time(col[COL_TIME], true, &w, NULL))
            day_first = true;
        p = z < e ? z + 1 : e;
    }
    size_t n_ca = 0, n_ndes = 0, n_dev = 0;
    uint64_t line = 1;
    p = text;
    while (p < e) {
        uint64_t nl;
        bool open;
        const char *z = record_end(p, e, &nl, &open);
        const char *zz = z;
        if (zz > p && zz[-1] == '\r')
            zz--;
        struct span rec = span_make(p, (size_t)(zz - p));
        if (line == 1 && p == text) {
            s->header += nl + 1; /* a quoted column name may hold line ends */
        } else if (span_trim(rec).n == 0) {
            s->blank++;
        } else {
            struct span col[NCOLS];
            size_t nc = split(p, zz, col);
            int64_t wall;
            uint64_t id = 0;
            if (nc >= COL_MESSAGE && read_time(col[COL_TIME], day_first, &wall, NULL) &&
                span_to_u64(span_trim(col[COL_ID]), &id) && !open) {
                int64_t t = parse_to_utc(s, wall, ZONE_ASSUMED_UTC, 0);
                if (!parse_emit(s, out, p, rec.n, line, nl + 1, t, level_of(col[COL_LEVEL])))
                    return false;
                enum role r = wev_role_of(NULL, 0, col[COL_SOURCE].p, col[COL_SOURCE].n, id);
                n_ca += r == ROLE_CA_EVENTS;
                n_ndes += r == ROLE_NDES_EVENTS;
                n_dev += r == ROLE_DEVICE_EVENTS;
            } else {
                const char *l1 = memchr(p, '\n', (size_t)(zz - p));
                const char *l1e = l1 ? l1 : zz;
                if (l1e > p && l1e[-1] == '\r')
                    l1e--;
                if (!parse_emit_raw(s, out, span_make(p, (size_t)(l1e - p)), line,
                                    open ? "a quoted field without its end (the file was cut "
                                           "short?)"
                                         : "not an event record (level, date, source, id, "
                                           "task category, message)"))
                    return false;
                s->continuation += nl;
            }
        }
        line += nl + 1;
        p = z < e ? z + 1 : e;
    }
    s->lines = s->size ? line - 1 : 0;
    if (s->size && e[-1] != '\n')
        s->lines = line - 1;
    if (!n_ca && !n_ndes && !n_dev)
        s->role = ROLE_EVENTS;
    else if (n_ca >= n_ndes && n_ca >= n_dev)
        s->role = ROLE_CA_EVENTS;
    else
        s->role = n_ndes >= n_dev ? ROLE_NDES_EVENTS : ROLE_DEVICE_EVENTS;
    if (day_first)
        source_note(s, 0, "dates read day first (a day above 12 was seen)");
    return true;
}

static struct span eventcsv_message(const struct source *s, const struct event *ev)
{
    const char *p = s->text + event_off(ev);
    struct span col[NCOLS];
    size_t n = split(p, p + ev->len, col);
    if (n > COL_MESSAGE)
        return col[COL_MESSAGE];
    return span_make(p, ev->len);
}

static bool eventcsv_field(const struct source *s, const struct event *ev, const char *name,
                           struct span *out)
{
    if (ev->flags & EVF_RAW)
        return false;
    static const char *const names[NCOLS] = { "level", "time", "provider", "event-id", "task",
                                              "message" };
    const char *p = s->text + event_off(ev);
    struct span col[NCOLS];
    size_t n = split(p, p + ev->len, col);
    for (size_t k = 0; k < NCOLS; k++) {
        if (strcmp(name, names[k]) == 0) {
            if (k >= n)
                return false;
            *out = k == COL_MESSAGE ? col[k] : span_trim(col[k]);
            return true;
        }
    }
    return false;
}

const struct parser parser_eventcsv = {
    .name = "eventcsv",
    .title = "Windows events as CSV (Event Viewer's Save as CSV)",
    .sniff = eventcsv_sniff,
    .parse = eventcsv_parse,
    .message = eventcsv_message,
    .field = eventcsv_field,
    .free_state = NULL,
};
