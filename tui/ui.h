/* ui.h - the state of the curses interface and the views that draw it. The views only read
 * the loaded case (bundle, diagnosis, playbook); all they change is this state. */
#ifndef SCEPSCOPE_UI_H
#define SCEPSCOPE_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "actions.h"
#include "bundle.h"
#include "diagnose.h"
#include "keymap.h"
#include "playbook.h"
#include "styles.h"
#include "theme.h"

/* What the whole screen is showing. Each mode is a view: a table of operations. */
enum mode {
    MODE_MAIN,        /* diagram, timeline, explain panel */
    MODE_RAW,         /* the raw log around one line */
    MODE_HELP,        /* the keys */
    MODE_WALK,        /* the walkthrough */
    MODE_COUNT
};

enum prompt_kind {
    PROMPT_NONE,
    PROMPT_SEARCH,
    PROMPT_FILTER,
    PROMPT_TIME,
};

/* A GUID offered by the filter prompt. */
struct guid_choice {
    const char *guid;  /* points into an attempt */
    bool is_user;
    unsigned attempts;
};

struct ui {
    struct bundle *b;
    struct diagnosis *d;
    const struct playbook *pb;
    const struct keymap *km;
    attr_t style[STYLE_COUNT];
    bool ascii;              /* line drawing in ASCII, no UTF-8 output */
    const char *case_name;

    enum mode mode;
    bool dirty;              /* redraw everything at the next frame */
    bool quit;

    /* the timeline: the events shown, as indices into b->ev (fewer than 2^32: diagnose_run);
     * a core/bigmem array */
    uint32_t *vis;
    size_t nvis;
    size_t cur;              /* cursor, index into vis */
    size_t top;              /* first row shown, index into vis */
    int rows;                /* timeline rows on screen, set by the layout */

    uint32_t attempt;        /* the attempt the panes show (1..n), 0 when there is none */
    int step;                /* the selected step 1..6, 0 when none */
    bool focus_panes;        /* Tab: left/right move between panes */
    size_t evidence_at;      /* which evidence line e/E visited last */

    /* filter by GUID */
    char filter_device[40], filter_user[40];

    /* search */
    void *re;                /* pcre2_code_8 *, or NULL */
    void *re_match;          /* pcre2_match_data_8 * */
    struct pb_match_ctx re_ctx; /* the limits every search match runs under */
    char search[256];

    /* the prompt at the bottom line */
    enum prompt_kind prompt;
    char input[256];
    size_t input_len;
    struct guid_choice *choices;
    size_t nchoices;

    /* status line message (an error, or what happened) */
    char message[256];
    bool message_error;

    /* raw view */
    uint16_t raw_src;
    uint64_t *raw_lines;     /* offsets of line starts in the source text */
    size_t raw_nlines;
    int raw_src_indexed;     /* which source raw_lines belongs to, -1 none */
    size_t raw_target;       /* line number (1-based) opened */
    size_t raw_top;          /* first line shown (1-based) */

    /* walkthrough */
    int walk_step;           /* 1..6 */
    size_t walk_scroll;

    /* help */
    int help_scroll;
    int help_more;           /* lines below the last one shown */
};

struct view_ops {
    void (*draw)(struct ui *ui);
    void (*act)(struct ui *ui, enum action a);
};

extern const struct view_ops view_main, view_raw, view_help, view_walk;

/* ---- shared helpers (tui/draw.c) ---- */

/* Writes at most `cols` columns of text at the cursor, escaping control bytes and what is not
 * UTF-8 (as \xNN), never a raw control byte. Returns columns written. */
int draw_text(WINDOW *w, const char *p, size_t n, int cols, bool ascii);
int draw_str(WINDOW *w, const char *s, int cols, bool ascii);
/* The same text with the byte ranges [starts[i], ends[i]) in `hl` (search matches). */
int draw_text_hl(WINDOW *w, const char *p, size_t n, int cols, bool ascii, const size_t *starts,
                 const size_t *ends, size_t nhl, attr_t hl);
/* Fills the rest of the line from the cursor with spaces in the current attributes. */
void draw_fill(WINDOW *w, int upto);
/* A box border, and a horizontal line. */
void draw_box(WINDOW *w, int y, int x, int h, int wd, bool ascii);
void draw_hline(WINDOW *w, int y, int x, int n, bool ascii);
/* Words of text wrapped to `cols` columns from row y, at most maxrows rows; returns rows used.
 * measure_wrapped: the rows it would take. */
int draw_wrapped(WINDOW *w, int y, int x, int cols, int maxrows, const char *text, bool ascii);
int measure_wrapped(int cols, const char *text);

/* ---- main view pieces ---- */
void ui_rebuild_visible(struct ui *ui);
void ui_set_message(struct ui *ui, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ui_draw_status(struct ui *ui, WINDOW *w, int y);
void ui_open_raw(struct ui *ui, size_t ev_index);
const struct attempt *ui_attempt(const struct ui *ui);
const char *ui_verdict_mark(enum verdict v);
attr_t ui_pane_style(const struct ui *ui, enum verdict v);
/* A one-line finding for a step of the selected attempt. */
void ui_finding(const struct ui *ui, int step, char *out, size_t cap);

/* ---- prompt (tui/prompt.c) ---- */
void prompt_open(struct ui *ui, enum prompt_kind k);
/* Handles one key while the prompt is open; true when the key was the prompt's. */
bool prompt_key(struct ui *ui, int key);
void prompt_draw(struct ui *ui, int y);
bool search_compile(struct ui *ui, const char *pattern);
void search_compile_free(struct ui *ui);
/* The match spans of the search in a message (at most max), for highlighting. */
size_t search_spans(const struct ui *ui, struct span m, size_t *starts, size_t *ends, size_t max);
/* 1: m matches the search, 0: it does not, -1: the pattern gave up on it (a PCRE2 limit). */
int search_matches(const struct ui *ui, struct span m);
void search_step(struct ui *ui, int dir);
void filter_apply(struct ui *ui, const char *guid, bool is_user);
void filter_clear(struct ui *ui);

/* ---- the whole interface (tui/app.c) ---- */
struct tui_options {
    const char *theme;       /* name or file; NULL: picked from the terminal */
    const char *keymap;      /* name or file; NULL: default */
    bool ascii;
    bool walkthrough;
    const char *case_name;
    const char *device, *user;  /* --device / --user: the filter to start with */
};

/* Loads the case behind a progress bar, then runs the interface until the user quits. th NULL:
 * a built-in theme that fits the terminal (mono under NO_COLOR). Returns the exit status. */
int tui_run(struct bundle *b, struct diagnosis *d, const struct playbook *pb,
            const struct keymap *km, const struct theme *th, const struct tui_options *o);

#endif
