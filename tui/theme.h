/* theme.h - how each named style looks: themes loaded from YAML (by name from the user's folder
 * or the built-in ones, or by path), with inheritance, and turned into curses attributes. */
#ifndef SCEPSCOPE_THEME_H
#define SCEPSCOPE_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "styles.h"

/* Attributes a style can have: bits of theme_style.attrs. */
enum theme_attr {
    THEME_BOLD = 1u << 0,
    THEME_DIM = 1u << 1,
    THEME_UNDERLINE = 1u << 2,
    THEME_REVERSE = 1u << 3,
    THEME_STANDOUT = 1u << 4,
    THEME_ITALIC = 1u << 5,
    THEME_BLINK = 1u << 6,
};

struct theme {
    char *name;
    int colors; /* colours it needs: 256, 16, 8, or 0 (attributes only) */
    struct theme_style {
        short fg, bg;   /* 0..255; -1 = the terminal's default */
        unsigned attrs; /* THEME_* bits */
        bool set;       /* given by the theme (or one it inherits) */
    } style[STYLE_COUNT];
};

/* Loads a theme. name_or_path: a path when it holds '/' or ends in ".yaml"; else a name looked
 * up as $XDG_CONFIG_HOME/scepscope/themes/NAME.yaml (default ~/.config), then the built-in
 * themes/NAME.yaml. t is overwritten; on failure it is left empty and err holds
 * "FILE:LINE:COLUMN: what is wrong". A style a file gives replaces the inherited one whole. */
bool theme_load(struct theme *t, const char *name_or_path, char *err, size_t errlen);
/* The same from text in memory; name is the file name used in messages (and the theme's name
 * when the text has no 'theme:'). 'inherit' is resolved as by theme_load. */
bool theme_load_string(struct theme *t, const char *name, const char *yaml, size_t len,
                       char *err, size_t errlen);
void theme_free(struct theme *t);

/* After initscr() (and start_color() when has_colors()): one colour pair per style with a
 * colour, and out[s] = COLOR_PAIR | attributes. Colours are dropped, attributes kept, when the
 * terminal has none or fewer than t->colors. A style the theme leaves unset looks like
 * STYLE_NORMAL. */
void theme_apply(const struct theme *t, attr_t out[STYLE_COUNT]);

/* The built-in theme that fits a terminal: "mono" when no_color (NO_COLOR is set) or fewer
 * than 8 colours, "basic" when fewer than 256, else "default". */
const char *theme_pick_default(int colors_available, bool no_color);

#endif
