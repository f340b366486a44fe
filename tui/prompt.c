/* prompt.c - the one-line prompt at the bottom: a PCRE2 search, the GUID filter with the GUIDs
 * found offered and narrowed as one types, and the jump to a time. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "ui.h"

/* ---- search ------------------------------------------------------------------------------- */

bool search_compile(struct ui *ui, const char *pattern)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS |
                                       PCRE2_UCP, /* see compile_cond in core/playbook.c */
                                   &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        ui_set_message(ui, true, "bad pattern at offset %zu: %s", (size_t)off, (char *)msg);
        return false; /* the old search, if any, stays */
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md) {
        pcre2_code_free(re);
        ui_set_message(ui, true, "out of memory");
        return false;
    }
    if (!ui->re_ctx.mctx)
        (void)pb_match_ctx_init(&ui->re_ctx); /* without it, PCRE2's own limits apply */
    pcre2_code_free(ui->re);
    pcre2_match_data_free(ui->re_match);
    ui->re = re;
    ui->re_match = md;
    snprintf(ui->search, sizeof ui->search, "%s", pattern);
    return true;
}

void search_compile_free(struct ui *ui)
{
    pcre2_code_free(ui->re);
    pcre2_match_data_free(ui->re_match);
    pb_match_ctx_free(&ui->re_ctx);
    ui->re = ui->re_match = NULL;
    ui->search[0] = 0;
}

size_t search_spans(const struct ui *ui, struct span m, size_t *starts, size_t *ends, size_t max)
{
    size_t n = 0, at = 0;
    if (!ui->re)
        return 0;
    while (n < max && at <= m.n) {
        int rc = pcre2_match(ui->re, (PCRE2_SPTR)m.p, m.n, at, 0, ui->re_match,
                             ui->re_ctx.mctx);
        if (rc < 0) /* no more, or gave up: what was found stays lit */
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ui->re_match);
        starts[n] = ov[0];
        ends[n] = ov[1];
        n++;
        at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    return n;
}

int search_matches(const struct ui *ui, struct span m)
{
    if (!ui->re)
        return 0;
    int rc = pcre2_match(ui->re, (PCRE2_SPTR)m.p, m.n, 0, 0, ui->re_match, ui->re_ctx.mctx);
    return rc >= 0 ? 1 : pb_limit_words(rc) ? -1 : 0;
}

void search_step(struct ui *ui, int dir)
{
    if (!ui->re) {
        ui_set_message(ui, true, "no search yet: / to search");
        return;
    }
    for (size_t step = 1; step <= ui->nvis; step++) {
        size_t k = dir > 0 ? (ui->cur + step) % ui->nvis : (ui->cur + ui->nvis - step) % ui->nvis;
        const struct event *e = &ui->b->ev[ui->vis[k]];
        int r = search_matches(ui, event_message(ui->b->src[e->src], e));
        if (r < 0) {
            /* a pattern that backtracks without end would take minutes per line: stop */
            ui_set_message(ui, true, "the pattern took too long on line %zu (%s:%u): search stopped",
                           k + 1, ui->b->src[e->src]->path, (unsigned)e->line);
            return;
        }
        if (r) {
            if ((dir > 0 && k <= ui->cur) || (dir < 0 && k >= ui->cur))
                ui_set_message(ui, false, "search wrapped around");
            ui->cur = k;
            if (k < ui->top || k >= ui->top + (size_t)ui->rows)
                ui->top = k > (size_t)ui->rows / 3 ? k - (size_t)ui->rows / 3 : 0;
            uint32_t a = diagnose_attempt_of(ui->d, ui->vis[k]);
            if (a)
                ui->attempt = a;
            return;
        }
    }
    ui_set_message(ui, true, "pattern not found: %s", ui->search);
}

/* ---- filter ------------------------------------------------------------------------------- */

void filter_apply(struct ui *ui, const char *guid, bool is_user)
{
    snprintf(is_user ? ui->filter_user : ui->filter_device, sizeof ui->filter_user, "%s", guid);
    size_t n = diagnose_select(ui->d, ui->filter_device, ui->filter_user);
    if (n == 0) {
        ui_set_message(ui, true, "no attempt of %s %s", is_user ? "user" : "device", guid);
        (is_user ? ui->filter_user : ui->filter_device)[0] = 0;
        diagnose_select(ui->d, ui->filter_device, ui->filter_user);
        return;
    }
    ui_rebuild_visible(ui);
    /* the panes show a kept attempt */
    if (!ui_attempt(ui) || !ui_attempt(ui)->selected)
        for (size_t i = 0; i < ui->d->natt; i++)
            if (ui->d->att[i].selected) {
                ui->attempt = ui->d->att[i].id;
                break;
            }
    ui_set_message(ui, false, "%zu attempt%s of %s %s", n, n == 1 ? "" : "s",
                   is_user ? "user" : "device", guid);
}

void filter_clear(struct ui *ui)
{
    ui->filter_device[0] = ui->filter_user[0] = 0;
    diagnose_select(ui->d, NULL, NULL);
    ui_rebuild_visible(ui);
    ui_set_message(ui, false, "filter cleared: all %zu attempts", ui->d->natt);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && lower((unsigned char)p[i]) == lower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return n == 0;
}

static void add_choice(struct ui *ui, const char *guid, bool is_user, size_t *cap)
{
    for (size_t i = 0; i < ui->nchoices; i++) {
        if (ui->choices[i].is_user == is_user && strcmp(ui->choices[i].guid, guid) == 0) {
            ui->choices[i].attempts++;
            return;
        }
    }
    if (ui->nchoices == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        struct guid_choice *v = realloc(ui->choices, nc * sizeof *v);
        if (!v)
            return;
        ui->choices = v;
        *cap = nc;
    }
    ui->choices[ui->nchoices++] = (struct guid_choice){ guid, is_user, 1 };
}

/* The GUIDs of all attempts, devices first, with how many attempts each has. */
static void gather_choices(struct ui *ui)
{
    size_t cap = 0;
    free(ui->choices);
    ui->choices = NULL;
    ui->nchoices = 0;
    for (size_t i = 0; i < ui->d->natt; i++)
        if (ui->d->att[i].device[0])
            add_choice(ui, ui->d->att[i].device, false, &cap);
    for (size_t i = 0; i < ui->d->natt; i++)
        if (ui->d->att[i].user[0])
            add_choice(ui, ui->d->att[i].user, true, &cap);
}

static const struct guid_choice *first_choice(const struct ui *ui)
{
    for (size_t i = 0; i < ui->nchoices; i++)
        if (contains_ci(ui->choices[i].guid, ui->input))
            return &ui->choices[i];
    return NULL;
}

/* ---- time --------------------------------------------------------------------------------- */

/* "HH:MM", "HH:MM:SS" or "YYYY-MM-DD HH:MM:SS" on the day of the cursor's line. */
static void goto_time(struct ui *ui, const char *s)
{
    int y = 0, mo = 0, d = 0, h, mi, sec = 0;
    size_t n = strlen(s);
    const char *t = s;
    if (!ui->nvis)
        return;
    if (n >= 16 && s[4] == '-' && read_digits(s, 4, &y) && read_digits(s + 5, 2, &mo) &&
        read_digits(s + 8, 2, &d))
        t = s + 11;
    size_t tn = strlen(t);
    if (tn < 5 || t[2] != ':' || !read_digits(t, 2, &h) || !read_digits(t + 3, 2, &mi) ||
        (tn >= 8 && (t[5] != ':' || !read_digits(t + 6, 2, &sec))) || h > 23 || mi > 59 || sec > 59) {
        ui_set_message(ui, true, "not a time: '%s' (HH:MM, HH:MM:SS or YYYY-MM-DD HH:MM:SS)", s);
        return;
    }
    int64_t want;
    if (y) {
        if (!civil_valid(y, mo, d, h, mi, sec)) {
            ui_set_message(ui, true, "not a date: '%s'", s);
            return;
        }
        want = civil_to_us(y, mo, d, h, mi, sec, 0);
    } else {
        int64_t cur = ui->b->ev[ui->vis[ui->cur]].t;
        int64_t day = cur - ((cur % (86400 * US_PER_SEC)) + 86400 * US_PER_SEC) % (86400 * US_PER_SEC);
        want = day + ((int64_t)h * 3600 + mi * 60 + sec) * US_PER_SEC;
    }
    size_t lo = 0, hi = ui->nvis;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (ui->b->ev[ui->vis[m]].t < want)
            lo = m + 1;
        else
            hi = m;
    }
    if (lo == ui->nvis)
        lo = ui->nvis - 1;
    ui->cur = lo;
    ui->top = lo > (size_t)ui->rows / 3 ? lo - (size_t)ui->rows / 3 : 0;
    uint32_t a = diagnose_attempt_of(ui->d, ui->vis[lo]);
    if (a)
        ui->attempt = a;
}

/* ---- the prompt line ---------------------------------------------------------------------- */

void prompt_open(struct ui *ui, enum prompt_kind k)
{
    ui->prompt = k;
    ui->input[0] = 0;
    ui->input_len = 0;
    if (k == PROMPT_FILTER) {
        gather_choices(ui);
        if (!ui->nchoices) {
            ui->prompt = PROMPT_NONE;
            ui_set_message(ui, true, "no device or user GUID in these logs (they come from CRP.log)");
        }
    }
    ui->dirty = true;
}

static void prompt_accept(struct ui *ui)
{
    enum prompt_kind k = ui->prompt;
    ui->prompt = PROMPT_NONE;
    if (k == PROMPT_SEARCH) {
        if (!ui->input[0])
            search_compile_free(ui);
        else if (search_compile(ui, ui->input)) {
            search_step(ui, +1);
        }
    } else if (k == PROMPT_FILTER) {
        const struct guid_choice *c = first_choice(ui);
        if (c)
            filter_apply(ui, c->guid, c->is_user);
        else
            ui_set_message(ui, true, "no device or user GUID contains '%s'", ui->input);
    } else if (k == PROMPT_TIME && ui->input[0]) {
        goto_time(ui, ui->input);
    }
}

bool prompt_key(struct ui *ui, int key)
{
    if (ui->prompt == PROMPT_NONE)
        return false;
    ui->dirty = true;
    if (key == 27 || key == 7) { /* Escape, C-g */
        ui->prompt = PROMPT_NONE;
        return true;
    }
    if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        prompt_accept(ui);
        return true;
    }
    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (ui->input_len)
            ui->input[--ui->input_len] = 0;
        return true;
    }
    if (key == 21) { /* C-u: clear the line */
        ui->input_len = 0;
        ui->input[0] = 0;
        return true;
    }
    if (key >= 0x20 && key < 0x7f && ui->input_len + 1 < sizeof ui->input) {
        ui->input[ui->input_len++] = (char)key;
        ui->input[ui->input_len] = 0;
    }
    return true;
}

void prompt_draw(struct ui *ui, int y)
{
    static const char *const label[] = { "", "search /", "filter GUID: ", "time: " };
    wattrset(stdscr, ui->style[STYLE_PROMPT]);
    wmove(stdscr, y, 0);
    draw_str(stdscr, label[ui->prompt], COLS, ui->ascii);
    draw_str(stdscr, ui->input, COLS - 20, ui->ascii);
    int cx = getcurx(stdscr);
    if (ui->prompt == PROMPT_FILTER) {
        /* the GUIDs that still match, with their attempt counts, after the input */
        char buf[512];
        size_t n = 0, shown = 0;
        for (size_t i = 0; i < ui->nchoices && n < sizeof buf - 80; i++) {
            const struct guid_choice *c = &ui->choices[i];
            if (!contains_ci(c->guid, ui->input))
                continue;
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %s (%u)", shown ? "  " : "   ",
                                  c->is_user ? "user" : "device", c->guid, c->attempts);
            shown++;
        }
        if (!shown)
            snprintf(buf, sizeof buf, "   (no GUID contains this)");
        draw_str(stdscr, buf, COLS - cx, ui->ascii);
    }
    draw_fill(stdscr, COLS);
    wmove(stdscr, y, cx);
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}
