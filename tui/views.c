/* views.c - the views over the main screen: the raw log around one line, the help built from
 * the keymap, and the walkthrough that takes a customer through the steps one at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "timeutil.h"
#include "ui.h"

/* ---- raw view ----------------------------------------------------------------------------- */

/* Line starts of a source, found once per source opened. */
static bool index_lines(struct ui *ui, uint16_t src)
{
    if (ui->raw_src_indexed == (int)src)
        return true;
    const struct source *s = ui->b->src[src];
    size_t cap = 1024, n = 0;
    uint64_t *v = malloc(cap * sizeof *v);
    if (!v)
        return false;
    const char *p = s->text, *end = s->text + s->size;
    if (s->size)
        v[n++] = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || nl + 1 >= end)
            break;
        if (n == cap) {
            uint64_t *nv = realloc(v, cap * 2 * sizeof *nv);
            if (!nv) {
                free(v);
                return false;
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = (uint64_t)(nl + 1 - s->text);
        p = nl + 1;
    }
    free(ui->raw_lines);
    ui->raw_lines = v;
    ui->raw_nlines = n;
    ui->raw_src_indexed = src;
    return true;
}

/* The line of the indexed source that holds byte off: an event's own line number may be a
 * record number (event logs) rather than its line in the text shown. */
static size_t line_of_off(const struct ui *ui, uint64_t off)
{
    size_t lo = 0, hi = ui->raw_nlines;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (ui->raw_lines[m] <= off)
            lo = m + 1;
        else
            hi = m;
    }
    return lo ? lo : 1;
}

void ui_open_raw(struct ui *ui, size_t ev_index)
{
    const struct event *e = &ui->b->ev[ev_index];
    if (!index_lines(ui, e->src)) {
        ui_set_message(ui, true, "out of memory");
        return;
    }
    ui->raw_src = e->src;
    ui->raw_target = line_of_off(ui, event_off(e));
    int rows = LINES - 2;
    ui->raw_top = ui->raw_target > (size_t)rows / 2 ? ui->raw_target - (size_t)rows / 2 : 1;
    ui->mode = MODE_RAW;
    ui->dirty = true;
}

static struct span raw_line(const struct ui *ui, size_t lineno)
{
    const struct source *s = ui->b->src[ui->raw_src];
    uint64_t a = ui->raw_lines[lineno - 1];
    uint64_t z = lineno < ui->raw_nlines ? ui->raw_lines[lineno] : s->size;
    while (z > a && (s->text[z - 1] == '\n' || s->text[z - 1] == '\r'))
        z--;
    return span_make(s->text + a, (size_t)(z - a));
}

/* The lines of the record opened: a multi-line entry is highlighted whole. */
static size_t raw_target_last(const struct ui *ui)
{
    const struct event *cur = NULL;
    for (size_t k = 0; k < ui->nvis && !cur; k++) {
        const struct event *e = &ui->b->ev[ui->vis[k]];
        if (e->src == ui->raw_src && line_of_off(ui, event_off(e)) == ui->raw_target)
            cur = e;
    }
    if (!cur)
        return ui->raw_target;
    size_t last = ui->raw_target;
    const char *t = ui->b->src[ui->raw_src]->text;
    for (uint64_t i = event_off(cur); i < event_off(cur) + cur->len; i++)
        last += t[i] == '\n';
    return last;
}

static void raw_draw(struct ui *ui)
{
    const struct source *s = ui->b->src[ui->raw_src];
    int rows = LINES - 2;
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    wmove(stdscr, 0, 0);
    char head[512];
    snprintf(head, sizeof head, " %s  line %zu of %zu  (%s, %s, %s)", s->path, ui->raw_target,
             ui->raw_nlines, s->parser ? s->parser->name : "-", role_name(s->role),
             encoding_name(s->enc));
    draw_str(stdscr, head, COLS, ui->ascii);
    draw_fill(stdscr, COLS);
    size_t last = raw_target_last(ui);
    for (int r = 0; r < rows; r++) {
        size_t ln = ui->raw_top + (size_t)r;
        wmove(stdscr, 1 + r, 0);
        if (ln > ui->raw_nlines) {
            wattrset(stdscr, ui->style[STYLE_NORMAL]);
            wclrtoeol(stdscr);
            continue;
        }
        bool hit = ln >= ui->raw_target && ln <= last;
        char num[24];
        snprintf(num, sizeof num, "%7zu%s", ln, hit ? ">" : " ");
        wattrset(stdscr, hit ? ui->style[STYLE_RAW_LINE] : ui->style[STYLE_LINENO]);
        waddstr(stdscr, num);
        wattrset(stdscr, hit ? ui->style[STYLE_RAW_LINE] : ui->style[STYLE_NORMAL]);
        struct span l = raw_line(ui, ln);
        draw_text(stdscr, l.p, l.n, COLS - 8, ui->ascii);
        draw_fill(stdscr, COLS);
    }
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
    ui_draw_status(ui, stdscr, LINES - 1);
}

static void raw_act(struct ui *ui, enum action a)
{
    size_t page = LINES > 3 ? (size_t)LINES - 3 : 1, max = ui->raw_nlines ? ui->raw_nlines : 1;
    switch (a) {
    case ACT_DOWN: if (ui->raw_top < max) ui->raw_top++; break;
    case ACT_UP: if (ui->raw_top > 1) ui->raw_top--; break;
    case ACT_PAGE_DOWN: ui->raw_top = ui->raw_top + page < max ? ui->raw_top + page : max; break;
    case ACT_PAGE_UP: ui->raw_top = ui->raw_top > page ? ui->raw_top - page : 1; break;
    case ACT_TOP: ui->raw_top = 1; break;
    case ACT_BOTTOM: ui->raw_top = max > page ? max - page + 1 : 1; break;
    case ACT_BACK:
    case ACT_QUIT:
    case ACT_OPEN: ui->mode = MODE_MAIN; break;
    case ACT_HELP: ui->mode = MODE_HELP; break;
    default: break;
    }
    ui->dirty = true;
}

const struct view_ops view_raw = { raw_draw, raw_act };

/* ---- help --------------------------------------------------------------------------------- */

static void help_draw(struct ui *ui)
{
    int W = COLS, H = LINES;
    int bw = W > 84 ? 80 : W - 2, bh = H - 2;
    int x0 = (W - bw) / 2, y0 = 1;
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
    for (int y = 0; y < H - 1; y++) {
        wmove(stdscr, y, 0);
        wclrtoeol(stdscr);
    }
    wattrset(stdscr, ui->style[STYLE_BORDER]);
    draw_box(stdscr, y0 - 1, x0, bh + 1, bw, ui->ascii);
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    char title[128];
    snprintf(title, sizeof title, " Keys (keymap %s) ", ui->km->name ? ui->km->name : "?");
    wmove(stdscr, y0 - 1, x0 + 2);
    draw_str(stdscr, title, bw - 4, ui->ascii); /* the name comes from a keymap file */
    int row = y0, skipped = 0, more = 0;
    for (int a = ACT_NONE + 1; a < ACTION_COUNT; a++) {
        char keys[96];
        if (!keymap_keys(ui->km, (enum action)a, keys, sizeof keys))
            continue;
        if (skipped++ < ui->help_scroll)
            continue;
        if (row >= y0 + bh - 2) {
            more++;
            continue;
        }
        wmove(stdscr, row, x0 + 2);
        wattrset(stdscr, ui->style[STYLE_HELP_KEY]);
        char col[32];
        snprintf(col, sizeof col, "%-20.20s", keys);
        draw_str(stdscr, col, 20, ui->ascii);
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
        waddch(stdscr, ' ');
        draw_str(stdscr, action_help((enum action)a), bw - 26, ui->ascii);
        row++;
    }
    if (more) {
        wattrset(stdscr, ui->style[STYLE_TITLE]);
        mvwprintw(stdscr, y0 + bh - 2, x0 + 2, "... %d more below (down, page down)", more);
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
    }
    ui->help_more = more;
    ui_set_message(ui, false, "press a key listed here, or q / Escape to go back");
    ui_draw_status(ui, stdscr, H - 1);
    ui->message[0] = 0;
}

static void help_act(struct ui *ui, enum action a)
{
    if (a == ACT_BACK || a == ACT_QUIT || a == ACT_HELP) {
        ui->mode = MODE_MAIN;
        ui->help_scroll = 0;
    } else if ((a == ACT_DOWN || a == ACT_PAGE_DOWN || a == ACT_BOTTOM) && ui->help_more) {
        ui->help_scroll += a == ACT_DOWN ? 1 : ui->help_more;
    } else if (a == ACT_UP && ui->help_scroll > 0) {
        ui->help_scroll--;
    } else if (a == ACT_PAGE_UP || a == ACT_TOP) {
        ui->help_scroll = 0;
    }
    ui->dirty = true;
}

const struct view_ops view_help = { help_draw, help_act };

/* ---- walkthrough -------------------------------------------------------------------------- */

static void walk_draw(struct ui *ui)
{
    int W = COLS, H = LINES;
    int s = ui->walk_step;
    const struct pb_step *st = &ui->pb->steps[s - 1];
    const struct attempt *at = ui_attempt(ui);
    const struct step_result *r = at ? &at->step[s - 1] : NULL;
    enum verdict v = r ? r->verdict : VERDICT_NONE;
    int mx = W > 100 ? (W - 96) / 2 : 2, cw = W - 2 * mx;
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
    for (int y = 0; y < H; y++) {
        wmove(stdscr, y, 0);
        wclrtoeol(stdscr);
    }
    /* the six steps as a row of marks, the current one in brackets */
    wmove(stdscr, 1, mx);
    for (int k = 1; k <= 6; k++) {
        enum verdict kv = at ? at->step[k - 1].verdict : VERDICT_NONE;
        wattrset(stdscr, ui_pane_style(ui, kv));
        char b[24];
        snprintf(b, sizeof b, k == s ? "[%d %s]" : " %d %s ", k, ui_verdict_mark(kv));
        waddstr(stdscr, b);
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
        waddstr(stdscr, k < 6 ? (ui->ascii ? " > " : " \xe2\x96\xb8 ") : "");
    }
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    char title[256];
    snprintf(title, sizeof title, "Step %d of 6:  %s", s, st->title);
    wmove(stdscr, 3, mx);
    draw_str(stdscr, title, cw, ui->ascii);
    wattrset(stdscr, ui_pane_style(ui, v) | A_BOLD);
    char verdict[64];
    snprintf(verdict, sizeof verdict, "  %s  ", v == VERDICT_PASS ? "OK: this step worked"
                                               : v == VERDICT_FAIL ? "FAIL: this step failed"
                                               : v == VERDICT_WARN ? "WARN: look closer"
                                                                   : "--: no evidence");
    mvwaddstr(stdscr, 4, mx, verdict);
    wattrset(stdscr, ui->style[STYLE_NORMAL]);

    int y = 6, bottom = H - 2;
    y += draw_wrapped(stdscr, y, mx, cw, bottom - y, st->summary, ui->ascii) + 1;
    if (y < bottom) {
        wattrset(stdscr, ui->style[STYLE_TITLE]);
        mvwaddstr(stdscr, y++, mx, "What the logs show");
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
    }
    if (!r || r->verdict == VERDICT_NONE) {
        y += draw_wrapped(stdscr, y, mx + 2, cw - 2, bottom - y, r ? r->reason : "no attempt",
                          ui->ascii);
    } else {
        /* leave room for what it means and what to do: they matter most on a call */
        int need = 0;
        if (v == VERDICT_FAIL || v == VERDICT_WARN) {
            const char *expl = r->sig >= 0 ? ui->pb->sigs[r->sig].explanation : ui->pb->expects[r->expect].explanation;
            const char *fix = r->sig >= 0 ? ui->pb->sigs[r->sig].fix : ui->pb->expects[r->expect].fix;
            need = 4 + measure_wrapped(cw - 2, expl ? expl : "") + measure_wrapped(cw - 2, fix ? fix : "");
        }
        int room = bottom - y - need - 2;
        if (room < 2)
            room = 2;
        size_t shown = 0;
        for (size_t k = ui->walk_scroll; k < r->nev && shown < (size_t)room - 1; k++, shown++) {
            const struct event *e = &ui->b->ev[r->ev[k]];
            const struct source *src = ui->b->src[e->src];
            const char *bn = strrchr(src->path, '/');
            char where[96];
            snprintf(where, sizeof where, "%s:%u  ", bn ? bn + 1 : src->path, e->line);
            wmove(stdscr, y++, mx + 2);
            wattrset(stdscr, e->level == LEVEL_ERROR ? ui->style[STYLE_LEVEL_ERROR]
                                                     : ui->style[STYLE_NORMAL]);
            int used = draw_str(stdscr, where, cw - 2, ui->ascii);
            struct span m = event_message(src, e);
            draw_text(stdscr, m.p, m.n, cw - 2 - used, ui->ascii);
            wattrset(stdscr, ui->style[STYLE_NORMAL]);
        }
        if (r->nev > shown + ui->walk_scroll && y < bottom)
            mvwprintw(stdscr, y++, mx + 2, "... %zu more (down to scroll)",
                      r->nev - shown - ui->walk_scroll);
    }
    y++;
    if ((v == VERDICT_FAIL || v == VERDICT_WARN) && y < bottom) {
        const char *expl = r->sig >= 0 ? ui->pb->sigs[r->sig].explanation : ui->pb->expects[r->expect].explanation;
        const char *fix = r->sig >= 0 ? ui->pb->sigs[r->sig].fix : ui->pb->expects[r->expect].fix;
        wattrset(stdscr, ui->style[STYLE_TITLE]);
        mvwaddstr(stdscr, y++, mx, "What it means");
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
        y += draw_wrapped(stdscr, y, mx + 2, cw - 2, bottom - y, expl ? expl : "", ui->ascii) + 1;
        if (y < bottom) {
            wattrset(stdscr, ui->style[STYLE_TITLE]);
            mvwaddstr(stdscr, y++, mx, "What to do");
            wattrset(stdscr, ui->style[STYLE_NORMAL]);
            y += draw_wrapped(stdscr, y, mx + 2, cw - 2, bottom - y, fix ? fix : "", ui->ascii) + 1;
        }
    }
    if (y < bottom) {
        wattrset(stdscr, ui->style[STYLE_TITLE]);
        mvwaddstr(stdscr, y++, mx, "What to check");
        wattrset(stdscr, ui->style[STYLE_NORMAL]);
        draw_wrapped(stdscr, y, mx + 2, cw - 2, bottom - y, st->check, ui->ascii);
    }
    char keys_n[32] = "", keys_p[32] = "", keys_b[32] = "";
    keymap_keys(ui->km, ACT_RIGHT, keys_n, sizeof keys_n);
    keymap_keys(ui->km, ACT_LEFT, keys_p, sizeof keys_p);
    keymap_keys(ui->km, ACT_BACK, keys_b, sizeof keys_b);
    ui_set_message(ui, false, "walkthrough: %s next step, %s previous, %s back to the logs",
                   keys_n, keys_p, keys_b);
    ui_draw_status(ui, stdscr, H - 1);
    ui->message[0] = 0;
}

static void walk_act(struct ui *ui, enum action a)
{
    switch (a) {
    case ACT_RIGHT:
    case ACT_PAGE_DOWN:
        if (ui->walk_step < 6) {
            ui->walk_step++;
            ui->walk_scroll = 0;
        }
        break;
    case ACT_LEFT:
    case ACT_PAGE_UP:
        if (ui->walk_step > 1) {
            ui->walk_step--;
            ui->walk_scroll = 0;
        }
        break;
    case ACT_DOWN: ui->walk_scroll++; break;
    case ACT_UP: if (ui->walk_scroll) ui->walk_scroll--; break;
    case ACT_STEP_1: case ACT_STEP_2: case ACT_STEP_3:
    case ACT_STEP_4: case ACT_STEP_5: case ACT_STEP_6:
        ui->walk_step = (int)(a - ACT_STEP_1) + 1;
        ui->walk_scroll = 0;
        break;
    case ACT_NEXT_ATTEMPT:
    case ACT_PREV_ATTEMPT:
        view_main.act(ui, a);
        ui->mode = MODE_WALK;
        break;
    case ACT_BACK:
    case ACT_QUIT:
    case ACT_WALKTHROUGH:
        ui->step = ui->walk_step;
        ui->mode = MODE_MAIN;
        break;
    case ACT_HELP: ui->mode = MODE_HELP; break;
    default: break;
    }
    /* the evidence list cannot scroll past its end */
    const struct attempt *at = ui_attempt(ui);
    size_t n = at ? at->step[ui->walk_step - 1].nev : 0;
    if (ui->walk_scroll >= n)
        ui->walk_scroll = n ? n - 1 : 0;
    ui->dirty = true;
}

const struct view_ops view_walk = { walk_draw, walk_act };
