/* main_view.c - the main screen: the six steps as panes laid out as the flow runs, the
 * attempt's summary, the merged timeline, the explain panel of the selected step, the status. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "ui.h"

/* ---- state helpers ------------------------------------------------------------------------ */

void ui_set_message(struct ui *ui, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->message, sizeof ui->message, fmt, ap);
    va_end(ap);
    ui->message_error = error;
}

const struct attempt *ui_attempt(const struct ui *ui)
{
    if (!ui->attempt || ui->attempt > ui->d->natt)
        return NULL;
    return &ui->d->att[ui->attempt - 1];
}

const char *ui_verdict_mark(enum verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "OK";
    case VERDICT_FAIL: return "FAIL";
    case VERDICT_WARN: return "WARN";
    default: return "--";
    }
}

attr_t ui_pane_style(const struct ui *ui, enum verdict v)
{
    switch (v) {
    case VERDICT_PASS: return ui->style[STYLE_PANE_PASS];
    case VERDICT_FAIL: return ui->style[STYLE_PANE_FAIL];
    case VERDICT_WARN: return ui->style[STYLE_PANE_WARN];
    default: return ui->style[STYLE_PANE_NONE];
    }
}

void ui_finding(const struct ui *ui, int step, char *out, size_t cap)
{
    const struct attempt *at = ui_attempt(ui);
    if (!at) {
        snprintf(out, cap, "no attempt");
        return;
    }
    const struct step_result *r = &at->step[step - 1];
    switch (r->verdict) {
    case VERDICT_FAIL:
    case VERDICT_WARN:
        snprintf(out, cap, "%s", r->sig >= 0 ? ui->pb->sigs[r->sig].id
                                             : ui->pb->expects[r->expect].id);
        break;
    case VERDICT_PASS: {
        size_t n = 0;
        for (size_t k = 0; k < r->nev; k++)
            n += ui->pb->sigs[ui->b->ev[r->ev[k]].sig - 1].verdict == VERDICT_PASS;
        snprintf(out, cap, "%zu line%s so", n, n == 1 ? " says" : "s say");
        break;
    }
    default:
        if (strncmp(r->reason, "not reached", 11) == 0)
            snprintf(out, cap, "not reached");
        else if (strncmp(r->reason, "no log", 6) == 0)
            snprintf(out, cap, "no log for it given");
        else if (strncmp(r->reason, "last sync seen", 14) == 0)
            snprintf(out, cap, "synced %.8s", r->reason + 26);
        else
            snprintf(out, cap, "nothing in window");
    }
}

static bool in_step(const struct ui *ui, size_t ev)
{
    const struct attempt *at = ui_attempt(ui);
    if (!at || !ui->step)
        return false;
    const struct step_result *r = &at->step[ui->step - 1];
    for (size_t k = 0; k < r->nev; k++)
        if (r->ev[k] == ev)
            return true;
    return false;
}

void ui_rebuild_visible(struct ui *ui)
{
    const struct bundle *b = ui->b;
    bool filtered = ui->filter_device[0] || ui->filter_user[0];
    size_t keep_ev = ui->nvis ? ui->vis[ui->cur] : 0;
    ui->nvis = 0;
    for (size_t i = 0; i < b->nev; i++) {
        if (filtered) {
            uint32_t a = diagnose_attempt_of(ui->d, i);
            if (!a || !ui->d->att[a - 1].selected)
                continue;
        }
        ui->vis[ui->nvis++] = (uint32_t)i;
    }
    /* keep the cursor on the same event, or the nearest after it */
    ui->cur = 0;
    for (size_t k = 0; k < ui->nvis; k++) {
        if (ui->vis[k] >= keep_ev) {
            ui->cur = k;
            break;
        }
    }
    ui->top = ui->cur;
    ui->dirty = true;
}

/* Puts the cursor on a row and scrolls so that it is seen; the panes follow its attempt. */
static void move_cursor(struct ui *ui, size_t k)
{
    if (!ui->nvis)
        return;
    if (k >= ui->nvis)
        k = ui->nvis - 1;
    ui->cur = k;
    int rows = ui->rows > 0 ? ui->rows : 1;
    if (ui->cur < ui->top)
        ui->top = ui->cur;
    else if (ui->cur >= ui->top + (size_t)rows)
        ui->top = ui->cur - (size_t)rows + 1;
    uint32_t a = diagnose_attempt_of(ui->d, ui->vis[ui->cur]);
    if (a && a != ui->attempt)
        ui->attempt = a;
}

static void goto_event(struct ui *ui, size_t ev)
{
    for (size_t k = 0; k < ui->nvis; k++) {
        if (ui->vis[k] == ev) {
            move_cursor(ui, k);
            if (ui->cur > ui->top + (size_t)ui->rows / 2 || ui->cur < ui->top + 1)
                ui->top = ui->cur > (size_t)ui->rows / 3 ? ui->cur - (size_t)ui->rows / 3 : 0;
            return;
        }
    }
    ui_set_message(ui, true, "that line is hidden by the filter");
}

static void goto_attempt(struct ui *ui, int dir)
{
    const struct diagnosis *d = ui->d;
    if (!d->natt) {
        ui_set_message(ui, true, "no enrollment attempt in these logs");
        return;
    }
    long a = (long)ui->attempt;
    for (;;) {
        a += dir;
        if (a < 1 || a > (long)d->natt) {
            ui_set_message(ui, false, "no %s attempt", dir > 0 ? "later" : "earlier");
            return;
        }
        if (d->att[a - 1].selected)
            break;
    }
    ui->attempt = (uint32_t)a;
    for (size_t k = 0; k < ui->nvis; k++) {
        if (diagnose_attempt_of(d, ui->vis[k]) == ui->attempt) {
            move_cursor(ui, k);
            ui->top = ui->cur;
            break;
        }
    }
    ui->evidence_at = 0;
}

static void visit_evidence(struct ui *ui, int dir)
{
    const struct attempt *at = ui_attempt(ui);
    if (!at || !ui->step) {
        ui_set_message(ui, true, "select a step first (1-6)");
        return;
    }
    const struct step_result *r = &at->step[ui->step - 1];
    if (!r->nev) {
        ui_set_message(ui, false, "step %d has no evidence lines: %s", ui->step, r->reason);
        return;
    }
    if (dir > 0)
        ui->evidence_at = (ui->evidence_at + 1) % (r->nev + 1);
    else
        ui->evidence_at = ui->evidence_at ? ui->evidence_at - 1 : r->nev;
    if (ui->evidence_at == 0)
        ui->evidence_at = dir > 0 ? 1 : r->nev;
    goto_event(ui, r->ev[ui->evidence_at - 1]);
    ui_set_message(ui, false, "evidence %zu of %zu of step %d", ui->evidence_at, (size_t)r->nev, ui->step);
}

static void select_step(struct ui *ui, int step)
{
    ui->step = (ui->step == step) ? 0 : step;
    ui->evidence_at = 0;
    const struct attempt *at = ui_attempt(ui);
    if (ui->step && at && at->step[ui->step - 1].verdict != VERDICT_NONE &&
        at->step[ui->step - 1].nev) {
        const struct step_result *r = &at->step[ui->step - 1];
        size_t show = (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_WARN) ? r->decisive
                                                                                : r->ev[0];
        goto_event(ui, show);
    }
}

static int first_failed_step(const struct ui *ui)
{
    const struct attempt *at = ui_attempt(ui);
    return at && at->failed_step ? at->failed_step : 1;
}

/* ---- layout ------------------------------------------------------------------------------- */

struct layout {
    int wide;          /* one row of six panes */
    int diagram_h;     /* rows of the diagram */
    int head_y;        /* the attempt's summary line */
    int tl_y, tl_h;    /* the timeline */
    int ex_y, ex_h;    /* the explain panel (0 rows when no step is selected) */
    int status_y;
};

static void layout(const struct ui *ui, struct layout *L)
{
    int H = LINES, W = COLS;
    L->wide = W >= 150;
    L->diagram_h = L->wide ? 4 : 6;
    if (H < 16)
        L->diagram_h = 3;   /* a tiny terminal: one row of panes, one line each */
    L->head_y = L->diagram_h;
    L->status_y = H - 1;
    int rest = H - L->diagram_h - 2;
    L->ex_h = 0;
    if (ui->step && rest >= 10)
        L->ex_h = rest >= 30 ? 14 : rest - 6;
    L->tl_y = L->head_y + 1;
    L->tl_h = rest - L->ex_h;
    if (L->tl_h < 1)
        L->tl_h = 1;
    L->ex_y = L->tl_y + L->tl_h;
    (void)W;
}

/* ---- the diagram -------------------------------------------------------------------------- */

static void draw_pane(struct ui *ui, int step, int y, int x, int h, int w)
{
    const struct attempt *at = ui_attempt(ui);
    enum verdict v = at ? at->step[step - 1].verdict : VERDICT_NONE;
    attr_t st = ui_pane_style(ui, v);
    bool sel = ui->step == step;
    wattrset(stdscr, st);
    for (int r = 0; r < h; r++) {
        wmove(stdscr, y + r, x);
        draw_fill(stdscr, x + w);
    }
    if (h >= 3) {
        wattrset(stdscr, sel ? ui->style[STYLE_PANE_SELECTED] : st);
        draw_box(stdscr, y, x, h, w, ui->ascii);
        wattrset(stdscr, st);
    }
    /* the title: number, label, and the mark at the right, in the top border */
    char mark[16];
    snprintf(mark, sizeof mark, " %s ", ui_verdict_mark(v));
    char head[96];
    const char *label = ui->pb->steps[step - 1].label ? ui->pb->steps[step - 1].label : "";
    snprintf(head, sizeof head, sel ? ">%d %s" : " %d %s", step, label);
    int inner = w - 2, mlen = (int)strlen(mark);
    int hx = h >= 3 ? x + 1 : x;
    wmove(stdscr, y, hx);
    draw_str(stdscr, head, inner - mlen, ui->ascii);
    wattrset(stdscr, st | A_BOLD);
    mvwaddstr(stdscr, y, hx + inner - mlen, mark);
    wattrset(stdscr, st);
    if (h >= 3) {
        char finding[96];
        ui_finding(ui, step, finding, sizeof finding);
        for (int r = 1; r < h - 1; r++) {
            wmove(stdscr, y + r, x + 2);
            if (r == 1)
                draw_str(stdscr, finding, w - 4, ui->ascii);
            else if (r == 2 && at && v == VERDICT_NONE)
                draw_str(stdscr, at->step[step - 1].reason, w - 4, ui->ascii);
        }
    }
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}

static void draw_arrow(struct ui *ui, int y, int x, bool back)
{
    wattrset(stdscr, ui->style[STYLE_BORDER]);
    mvwaddstr(stdscr, y, x, back ? (ui->ascii ? "<-" : "\xe2\x97\x80\xe2\x94\x80")
                                 : (ui->ascii ? "->" : "\xe2\x94\x80\xe2\x96\xb6"));
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}

/* client -> NDES -> CRP on the way out, then CA -> back to the client: two rows make a U,
 * one row when the screen is wide enough. */
static void draw_diagram(struct ui *ui, const struct layout *L)
{
    int W = COLS;
    if (L->wide || L->diagram_h == 3) {
        int h = L->diagram_h == 3 ? 1 : 4;
        int pw = (W - 5 * 2) / 6;
        for (int s = 1; s <= 6; s++) {
            int x = (s - 1) * (pw + 2);
            draw_pane(ui, s, 0, x, h, pw);
            if (s < 6)
                draw_arrow(ui, h / 2, x + pw, false);
        }
        for (int r = h; r < L->diagram_h; r++) {
            wmove(stdscr, r, 0);
            wclrtoeol(stdscr);
        }
        return;
    }
    int pw = (W - 2 * 2) / 3;
    for (int i = 0; i < 3; i++) {
        int x = i * (pw + 2);
        draw_pane(ui, i + 1, 0, x, 3, pw);
        draw_pane(ui, 6 - i, 3, x, 3, pw);
        if (i < 2) {
            draw_arrow(ui, 1, x + pw, false);
            draw_arrow(ui, 4, x + pw, true);
        }
    }
}

/* ---- the attempt line and the timeline ---------------------------------------------------- */

static void draw_head(struct ui *ui, const struct layout *L)
{
    const struct attempt *at = ui_attempt(ui);
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    wmove(stdscr, L->head_y, 0);
    char buf[256];
    if (!at) {
        snprintf(buf, sizeof buf, " no enrollment attempt found: %zu lines of %zu logs",
                 ui->b->nev, bundle_readable(ui->b));
    } else {
        char a[32], z[32];
        time_format_iso(at->start, a);
        time_format_iso(at->end, z);
        a[10] = ' ';
        a[23] = 0;
        z[23] = 0;
        int n = snprintf(buf, sizeof buf, " attempt %u of %zu  %s..%s", at->id, ui->d->natt, a,
                         z + 11);
        if (n > 0 && at->failed_step)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "  FAILED at step %d", at->failed_step);
        if (n > 0 && at->device[0])
            n += snprintf(buf + n, sizeof buf - (size_t)n, "  device %s", at->device);
        if (n > 0 && at->user[0] && (size_t)n < sizeof buf)
            snprintf(buf + n, sizeof buf - (size_t)n, "  user %s", at->user);
    }
    draw_str(stdscr, buf, COLS, ui->ascii);
    draw_fill(stdscr, COLS);
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}

static enum style source_style(enum role r)
{
    switch (r) {
    case ROLE_NDES_IIS: return STYLE_SOURCE_NDES_IIS;
    case ROLE_CRP_IIS: return STYLE_SOURCE_CRP_IIS;
    case ROLE_IIS: return STYLE_SOURCE_IIS;
    case ROLE_NDESPLUGIN: return STYLE_SOURCE_NDESPLUGIN;
    case ROLE_CRP: return STYLE_SOURCE_CRP;
    case ROLE_CONFIGMGR: return STYLE_SOURCE_CONFIGMGR;
    default: return STYLE_SOURCE_UNKNOWN;
    }
}

static bool is_decisive(const struct ui *ui, size_t ev)
{
    const struct attempt *at = ui_attempt(ui);
    if (!at || !ui->step)
        return false;
    const struct step_result *r = &at->step[ui->step - 1];
    return (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_WARN) && r->decisive == ev;
}

static void draw_row(struct ui *ui, int y, size_t k, bool wide)
{
    size_t i = ui->vis[k];
    const struct event *e = &ui->b->ev[i];
    const struct source *s = ui->b->src[e->src];
    bool cursor = k == ui->cur;
    attr_t base = ui->style[STYLE_NORMAL];
    if (e->level == LEVEL_ERROR)
        base = ui->style[STYLE_LEVEL_ERROR];
    else if (e->level == LEVEL_WARNING)
        base = ui->style[STYLE_LEVEL_WARNING];
    if (in_step(ui, i))
        base = ui->style[is_decisive(ui, i) ? STYLE_EVIDENCE : STYLE_STEP_ROW];
    if (cursor)
        base = ui->style[STYLE_CURSOR];
    wmove(stdscr, y, 0);
    char t[32];
    time_format_iso(e->t, t);
    wattrset(stdscr, cursor ? base : (base == ui->style[STYLE_NORMAL] ? ui->style[STYLE_TIME] : base));
    waddstr(stdscr, wide ? t : t + 11);
    waddch(stdscr, ' ');
    /* where it comes from: the role, and on wide screens the file */
    char src[64];
    if (wide) {
        const char *bn = strrchr(s->path, '/');
        snprintf(src, sizeof src, "%-10.10s %-18.18s", role_name(s->role), bn ? bn + 1 : s->path);
    } else {
        snprintf(src, sizeof src, "%-10.10s", role_name(s->role));
    }
    wattrset(stdscr, cursor ? base : ui->style[source_style(s->role)]);
    draw_str(stdscr, src, 40, ui->ascii);
    wattrset(stdscr, cursor ? base : ui->style[STYLE_BADGE]);
    int step = e->sig ? ui->pb->sigs[e->sig - 1].step : 0;
    char badge[8];
    if (step)
        snprintf(badge, sizeof badge, " [%d]", step);
    else
        snprintf(badge, sizeof badge, "    ");
    waddstr(stdscr, badge);
    wattrset(stdscr, base);
    waddstr(stdscr, e->level == LEVEL_ERROR ? " E " : e->level == LEVEL_WARNING ? " W " : "   ");
    int x = getcurx(stdscr);
    struct span m = event_message(s, e);
    size_t st[16], en[16], nh = search_spans(ui, m, st, en, 16);
    draw_text_hl(stdscr, m.p, m.n, COLS - x, ui->ascii, st, en, nh, ui->style[STYLE_MATCH]);
    draw_fill(stdscr, COLS);
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}

static void draw_timeline(struct ui *ui, const struct layout *L)
{
    ui->rows = L->tl_h;
    if (ui->cur >= ui->top + (size_t)ui->rows)
        ui->top = ui->cur - (size_t)ui->rows + 1;
    bool wide = COLS >= 150;
    for (int r = 0; r < L->tl_h; r++) {
        size_t k = ui->top + (size_t)r;
        if (k < ui->nvis) {
            draw_row(ui, L->tl_y + r, k, wide);
        } else {
            wmove(stdscr, L->tl_y + r, 0);
            wclrtoeol(stdscr);
            if (r == 0 && ui->nvis == 0)
                waddstr(stdscr, " (no line: the filter hides them all)");
        }
    }
}

/* ---- the explain panel -------------------------------------------------------------------- */

static void draw_explain(struct ui *ui, const struct layout *L)
{
    if (!L->ex_h)
        return;
    int y = L->ex_y, h = L->ex_h, W = COLS;
    const struct pb_step *st = &ui->pb->steps[ui->step - 1];
    const struct attempt *at = ui_attempt(ui);
    const struct step_result *r = at ? &at->step[ui->step - 1] : NULL;
    wattrset(stdscr, ui->style[STYLE_EXPLAIN]);
    for (int i = 0; i < h; i++) {
        wmove(stdscr, y + i, 0);
        draw_fill(stdscr, W);
    }
    wattrset(stdscr, ui->style[STYLE_BORDER]);
    draw_hline(stdscr, y, 0, W, ui->ascii);
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    char title[256];
    snprintf(title, sizeof title, " Step %d: %s  [%s] ", ui->step, st->title,
             r ? ui_verdict_mark(r->verdict) : "--");
    wmove(stdscr, y, 2);
    draw_str(stdscr, title, W - 4, ui->ascii);
    wattrset(stdscr, ui->style[STYLE_EXPLAIN]);

    /* what was found and what to do first, as the room may be small; then why, what the
     * step is, and what to check next */
    char text[4096];
    int n = 0;
    if (r && r->verdict == VERDICT_NONE) {
        n += snprintf(text + n, sizeof text - (size_t)n, "Found: nothing decisive: %s\n", r->reason);
    } else if (r) {
        n += snprintf(text + n, sizeof text - (size_t)n, "Found: %s, %zu line%s (e / E to visit them)\n",
                      r->verdict == VERDICT_PASS ? "passed" : r->verdict == VERDICT_FAIL ? "FAILED" : "warning",
                      (size_t)r->nev, r->nev == 1 ? "" : "s");
        if (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_WARN) {
            const char *expl = r->sig >= 0 ? ui->pb->sigs[r->sig].explanation : ui->pb->expects[r->expect].explanation;
            const char *fix = r->sig >= 0 ? ui->pb->sigs[r->sig].fix : ui->pb->expects[r->expect].fix;
            const struct event *e = &ui->b->ev[r->decisive];
            n += snprintf(text + n, sizeof text - (size_t)n, "Fix: %s\nWhy: %s\nEvidence: %s:%u\n",
                          fix ? fix : "", expl ? expl : "", ui->b->src[e->src]->path, e->line);
        }
        if (ui->step == 1 && r->reason[0] && n >= 0 && (size_t)n < sizeof text)
            n += snprintf(text + n, sizeof text - (size_t)n, "Sync: %s\n", r->reason);
    }
    if (n >= 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, "Step: %s\nCheck: %s", st->summary, st->check);
    draw_wrapped(stdscr, y + 1, 1, W - 2, h - 1, text, ui->ascii);
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
}

/* ---- status ------------------------------------------------------------------------------- */

void ui_draw_status(struct ui *ui, WINDOW *w, int y)
{
    if (ui->prompt != PROMPT_NONE) {
        prompt_draw(ui, y);
        return;
    }
    wattrset(w, ui->style[ui->message[0] && ui->message_error ? STYLE_STATUS_ERROR : STYLE_STATUS]);
    wmove(w, y, 0);
    char buf[512];
    if (ui->message[0]) {
        snprintf(buf, sizeof buf, " %s", ui->message);
    } else {
        int n = snprintf(buf, sizeof buf, " %s | attempt %u/%zu", ui->case_name ? ui->case_name : "",
                         ui->attempt, ui->d->natt);
        if (ui->filter_device[0] && n > 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, " | device %s", ui->filter_device);
        if (ui->filter_user[0] && n > 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, " | user %s", ui->filter_user);
        if (ui->search[0] && n > 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, " | /%s", ui->search);
        if (ui->nvis && n > 0)
            snprintf(buf + n, sizeof buf - (size_t)n, " | line %zu/%zu", ui->cur + 1, ui->nvis);
    }
    char keys[64] = "";
    keymap_keys(ui->km, ACT_HELP, keys, sizeof keys);
    char *comma = strchr(keys, ',');
    if (comma)
        *comma = 0;
    char right[80];
    snprintf(right, sizeof right, " %s help ", keys);
    int rl = (int)strlen(right);
    draw_str(w, buf, COLS - rl - 1, ui->ascii);
    draw_fill(w, COLS - rl);
    waddstr(w, right);
    wattrset(w, ui->style[STYLE_NORMAL]);
}

static void main_draw(struct ui *ui)
{
    struct layout L;
    layout(ui, &L);
    draw_diagram(ui, &L);
    draw_head(ui, &L);
    draw_timeline(ui, &L);
    draw_explain(ui, &L);
    ui_draw_status(ui, stdscr, L.status_y);
}

static void main_act(struct ui *ui, enum action a)
{
    size_t page = ui->rows > 1 ? (size_t)ui->rows - 1 : 1;
    switch (a) {
    case ACT_DOWN: move_cursor(ui, ui->cur + 1); break;
    case ACT_UP: move_cursor(ui, ui->cur ? ui->cur - 1 : 0); break;
    case ACT_PAGE_DOWN:
        ui->top = ui->top + page < ui->nvis ? ui->top + page : ui->top;
        move_cursor(ui, ui->cur + page);
        break;
    case ACT_PAGE_UP:
        ui->top = ui->top > page ? ui->top - page : 0;
        move_cursor(ui, ui->cur > page ? ui->cur - page : 0);
        break;
    case ACT_TOP: move_cursor(ui, 0); break;
    case ACT_BOTTOM: move_cursor(ui, ui->nvis ? ui->nvis - 1 : 0); break;
    case ACT_LEFT: select_step(ui, ui->step > 1 ? ui->step - 1 : 6); break;
    case ACT_RIGHT: select_step(ui, ui->step < 6 ? ui->step + 1 : 1); break;
    case ACT_FOCUS:
        ui->focus_panes = !ui->focus_panes;
        if (ui->focus_panes && !ui->step)
            select_step(ui, first_failed_step(ui));
        else if (!ui->focus_panes)
            ui->step = 0;
        break;
    case ACT_STEP_1: case ACT_STEP_2: case ACT_STEP_3:
    case ACT_STEP_4: case ACT_STEP_5: case ACT_STEP_6:
        select_step(ui, (int)(a - ACT_STEP_1) + 1);
        break;
    case ACT_NEXT_EVIDENCE: visit_evidence(ui, +1); break;
    case ACT_PREV_EVIDENCE: visit_evidence(ui, -1); break;
    case ACT_NEXT_ATTEMPT: goto_attempt(ui, +1); break;
    case ACT_PREV_ATTEMPT: goto_attempt(ui, -1); break;
    case ACT_OPEN:
        if (ui->nvis)
            ui_open_raw(ui, ui->vis[ui->cur]);
        break;
    case ACT_SEARCH: prompt_open(ui, PROMPT_SEARCH); break;
    case ACT_SEARCH_NEXT: search_step(ui, +1); break;
    case ACT_SEARCH_PREV: search_step(ui, -1); break;
    case ACT_FILTER: prompt_open(ui, PROMPT_FILTER); break;
    case ACT_CLEAR_FILTER: filter_clear(ui); break;
    case ACT_GOTO_TIME: prompt_open(ui, PROMPT_TIME); break;
    case ACT_WALKTHROUGH:
        ui->walk_step = first_failed_step(ui);
        ui->walk_scroll = 0;
        ui->mode = MODE_WALK;
        break;
    case ACT_HELP: ui->mode = MODE_HELP; break;
    case ACT_BACK:
        if (ui->step) {
            ui->step = 0;
            ui->focus_panes = false;
        } else {
            ui->message[0] = 0;
        }
        break;
    case ACT_QUIT: ui->quit = true; break;
    default: break;
    }
    ui->dirty = true;
}

const struct view_ops view_main = { main_draw, main_act };
