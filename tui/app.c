/* app.c - the interface's life: the terminal set up and always given back (exit, error,
 * SIGINT, SIGTERM), the case loaded in a thread behind a progress bar, keys turned into actions
 * through the keymap and handed to the view on screen. */
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/bigmem.h"
#include "../core/trace.h"
#include "ui.h"

static const struct view_ops *const views[MODE_COUNT] = {
    [MODE_MAIN] = &view_main,
    [MODE_RAW] = &view_raw,
    [MODE_HELP] = &view_help,
    [MODE_WALK] = &view_walk,
};

/* The only state a signal handler may touch. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
}

struct loader {
    struct bundle *b;
    struct diagnosis *d;
    const struct playbook *pb;
    atomic_bool done;
    bool ok;
    int wake[2]; /* a pipe: the loader writes to it when done, so that the screen does not wait
                    for its next tick to show the case (-1: none) */
};

static void *load_case(void *arg)
{
    struct loader *L = arg;
    L->ok = diagnose_prepare(L->b, L->pb) && bundle_load(L->b) &&
            diagnose_run(L->d, L->b, L->pb);
    atomic_store(&L->done, true);
    if (L->wake[1] >= 0) {
        ssize_t w = write(L->wake[1], "", 1);
        (void)w; /* without it, the screen sees it at its next tick */
    }
    return NULL;
}

static void draw_progress(const struct ui *ui, size_t done, size_t total)
{
    int W = COLS, y = LINES / 2 - 1;
    erase();
    wattrset(stdscr, ui->style[STYLE_TITLE]);
    mvwaddstr(stdscr, y - 2, 2, "scepscope");
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
    char line[256];
    if (done < total)
        snprintf(line, sizeof line, "reading the logs: %zu of %zu files", done, total);
    else
        snprintf(line, sizeof line, "finding the enrollment attempts in %zu files", total);
    wmove(stdscr, y, 2);
    draw_str(stdscr, line, W - 4, ui->ascii);
    int bw = W - 4 > 10 ? W - 4 : 10;
    int fill = total ? (int)((long long)bw * (long long)done / (long long)total) : 0;
    wmove(stdscr, y + 1, 2);
    wattrset(stdscr, ui->style[STYLE_PROGRESS]);
    for (int i = 0; i < fill; i++)
        waddch(stdscr, ui->ascii ? '#' : ' ');
    wattrset(stdscr, ui->style[STYLE_BORDER]);
    for (int i = fill; i < bw; i++)
        waddstr(stdscr, ui->ascii ? "." : "\xe2\x96\x91");
    wattrset(stdscr, ui->style[STYLE_NORMAL]);
    mvwaddstr(stdscr, y + 3, 2, "q: stop");
    wnoutrefresh(stdscr);
    doupdate();
}

/* A key, with Escape followed at once by a key read as Meta+key. */
static int read_key(void)
{
    int c = getch();
    if (c != 27)
        return c;
    nodelay(stdscr, TRUE);
    int next = getch();
    nodelay(stdscr, FALSE);
    if (next == ERR)
        return 27;
    return KEYMAP_META | next;
}

/* Which attempt to show first: the first that failed, else the last one. */
static uint32_t first_attempt(const struct diagnosis *d)
{
    for (size_t i = 0; i < d->natt; i++)
        if (d->att[i].failed_step)
            return d->att[i].id;
    return d->natt ? (uint32_t)d->natt : 0;
}

static void place_cursor_on_attempt(struct ui *ui)
{
    for (size_t k = 0; k < ui->nvis; k++) {
        if (diagnose_attempt_of(ui->d, ui->vis[k]) == ui->attempt) {
            ui->cur = ui->top = k;
            return;
        }
    }
}

static bool utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void free_ui(struct ui *ui)
{
    big_free(ui->vis);
    free(ui->raw_lines);
    free(ui->choices);
    search_compile_free(ui);
}

static void loop(struct ui *ui)
{
    int pending = 0; /* the key whose answer is being drawn */
    while (!ui->quit && !got_signal) {
        if (ui->dirty) {
            views[ui->mode]->draw(ui);
            wnoutrefresh(stdscr);
            doupdate();
            ui->dirty = false;
            if (pending)
                trace_mark("frame", pending);
            pending = 0;
        }
        int key = read_key();
        if (key == ERR)
            continue;
        trace_mark("key", key);
        pending = key;
        if (key == KEY_RESIZE) {
            clearok(stdscr, TRUE);
            ui->dirty = true;
            continue;
        }
        ui->dirty = true;
        if (prompt_key(ui, key))
            continue;
        ui->message[0] = 0;
        enum action a = keymap_action(ui->km, key);
        if (a == ACT_REDRAW) {
            clearok(stdscr, TRUE);
            continue;
        }
        if (a == ACT_NONE) {
            char name[32];
            ui_set_message(ui, true, "%s does nothing here (? for the keys)",
                           keymap_key_name(key, name, sizeof name));
            continue;
        }
        enum mode before = ui->mode;
        views[ui->mode]->act(ui, a);
        if (ui->mode != before)
            erase();
    }
}

int tui_run(struct bundle *b, struct diagnosis *d, const struct playbook *pb,
            const struct keymap *km, const struct theme *th, const struct tui_options *o)
{
    struct ui ui = { .b = b, .d = d, .pb = pb, .km = km, .case_name = o->case_name };
    trace_start();
    ui.raw_src_indexed = -1;
    ui.ascii = o->ascii || !utf8_locale();

    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    atexit(restore_terminal);

    if (!initscr()) {
        fputs("scepscope: cannot set up the terminal\n", stderr);
        return 2;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(50);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    struct theme picked = { 0 };
    if (!th) {
        const char *nc = getenv("NO_COLOR");
        char err[256];
        if (!theme_load(&picked, theme_pick_default(has_colors() ? COLORS : 0, nc && *nc), err,
                        sizeof err)) {
            restore_terminal();
            fprintf(stderr, "scepscope: %s\n", err);
            return 2;
        }
        th = &picked;
    }
    theme_apply(th, ui.style);
    theme_free(&picked);
    timeout(0);

    /* the screen comes at once; the logs load behind it: the progress is drawn every 100 ms,
     * or at once when a key comes or the loading ends */
    struct loader L = { .b = b, .d = d, .pb = pb, .wake = { -1, -1 } };
    atomic_init(&L.done, false);
    if (pipe(L.wake) != 0)
        L.wake[0] = L.wake[1] = -1;
    pthread_t th_load;
    if (pthread_create(&th_load, NULL, load_case, &L) != 0) {
        load_case(&L);
    } else {
        bool first = true;
        while (!atomic_load(&L.done)) {
            draw_progress(&ui, atomic_load(&b->progress), b->nsrc);
            if (first)
                trace_mark("first-frame", 0);
            first = false;
            struct pollfd pf[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
                                    { .fd = L.wake[0], .events = POLLIN } };
            poll(pf, L.wake[0] >= 0 ? 2 : 1, 100);
            int k = getch();
            if (k == KEY_RESIZE)
                clearok(stdscr, TRUE);
            else if ((k != ERR && keymap_action(km, k) == ACT_QUIT) || got_signal)
                atomic_store(&b->cancel, true);
        }
        pthread_join(th_load, NULL);
    }
    if (L.wake[0] >= 0) {
        close(L.wake[0]);
        close(L.wake[1]);
    }
    int status = 0;
    if (!L.ok || atomic_load(&b->cancel) || bundle_readable(b) == 0) {
        trace_stop();
    }
    if (!L.ok) {
        restore_terminal();
        fputs("scepscope: out of memory while reading the logs\n", stderr);
        return 2;
    }
    if (atomic_load(&b->cancel)) {
        restore_terminal();
        return 0;
    }
    if (bundle_readable(b) == 0) {
        restore_terminal();
        fputs("scepscope: none of the files could be read as a log (see --sources)\n", stderr);
        return 2;
    }

    ui.vis = big_alloc((b->nev ? b->nev : 1) * sizeof *ui.vis);
    if (!ui.vis) {
        restore_terminal();
        fputs("scepscope: out of memory\n", stderr);
        return 2;
    }
    timeout(200);
    ui_rebuild_visible(&ui);
    ui.attempt = first_attempt(d);
    place_cursor_on_attempt(&ui);
    struct pb_gave_up gu;
    if (playbook_gave_up(pb, &gu, 1))
        ui_set_message(&ui, true, "%s '%s': the pattern took too long on %s:%u (%s): taken as no match",
                       gu.rule, gu.id, gu.path, (unsigned)gu.line, gu.why);
    if (o->device && *o->device)
        filter_apply(&ui, o->device, false);
    if (o->user && *o->user)
        filter_apply(&ui, o->user, true);
    ui.top = ui.cur > 2 ? ui.cur - 2 : 0;
    if (o->walkthrough) {
        const struct attempt *at = ui_attempt(&ui);
        ui.walk_step = at && at->failed_step ? at->failed_step : 1;
        ui.mode = MODE_WALK;
    }
    ui.dirty = true;
    erase();
    views[ui.mode]->draw(&ui);
    wnoutrefresh(stdscr);
    doupdate();
    ui.dirty = false;
    trace_mark("loaded", 0);
    loop(&ui);
    restore_terminal();
    trace_stop();
    if (got_signal && got_signal != SIGHUP)
        status = 128 + got_signal;
    free_ui(&ui);
    return status;
}
