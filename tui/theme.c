/* theme.c - themes: loading the YAML (FILE:LINE:COLUMN errors, inheritance, colours checked
 * against what the theme says it needs) and turning styles into curses attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "theme.h"

/* ---- names ------------------------------------------------------------------------------ */

/* Colours by name: 0-7 the ANSI colours, 8-15 their bright forms. */
static const char *const colour_names[16] = {
    "black",        "red",          "green",          "yellow",
    "blue",         "magenta",      "cyan",           "white",
    "bright-black", "bright-red",   "bright-green",   "bright-yellow",
    "bright-blue",  "bright-magenta", "bright-cyan",  "bright-white",
};

static const char *const attr_names[] = {
    "bold", "dim", "underline", "reverse", "standout", "italic", "blink",
};
#define ATTR_COUNT (sizeof attr_names / sizeof attr_names[0])

const char *theme_pick_default(int colors_available, bool no_color)
{
    if (no_color || colors_available < 8)
        return "mono";
    return colors_available < 256 ? "basic" : "default";
}

void theme_free(struct theme *t)
{
    free(t->name);
    memset(t, 0, sizeof *t);
}

/* ---- reading a theme file --------------------------------------------------------------- */

/* What one file is being read with. */
struct tfile {
    const char *label;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

static yaml_node_t *node_at(struct tfile *F, yaml_node_item_t i)
{
    return yaml_document_get_node(F->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* Reads a map whose keys must be among names (n of them): found[i] is key i's value or NULL.
 * what names the map in messages. */
static bool read_map(struct tfile *F, yaml_node_t *map, const char *what,
                     const char *const *names, size_t n, yaml_node_t **found)
{
    memset(found, 0, n * sizeof *found);
    if (map->type != YAML_MAPPING_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, map, "%s must be a map, not %s", what,
                            cfgfile_kind(map));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node_at(F, p->key);
        size_t i = 0;
        while (k->type == YAML_SCALAR_NODE && i < n && strcmp(scalar(k), names[i]) != 0)
            i++;
        if (k->type != YAML_SCALAR_NODE || i == n) {
            char list[128] = "";
            for (size_t j = 0; j < n; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         j ? ", " : "", names[j]);
            return cfgfile_fail(F->err, F->errlen, F->label, k,
                                "unknown key '%s' in %s: expected %s",
                                k->type == YAML_SCALAR_NODE ? show_text(scalar(k)).s
                                                            : cfgfile_kind(k),
                                what, list);
        }
        if (found[i])
            return cfgfile_fail(F->err, F->errlen, F->label, k, "'%s' is given twice in %s",
                                names[i], what);
        found[i] = node_at(F, p->value);
    }
    return true;
}

/* How many colours a colour needs: 0 for the terminal's default, 8 for the ANSI ones, ... */
static int colours_needed(short c)
{
    return c < 0 ? 0 : c < 8 ? 8 : c < 16 ? 16 : 256;
}

/* A number 0..255 written in decimal, nothing else. */
static bool colour_number(const char *s, short *out)
{
    int v = 0;
    size_t k = 0;
    for (; s[k] >= '0' && s[k] <= '9' && k < 3; k++)
        v = v * 10 + (s[k] - '0');
    if (!k || s[k] || v > 255)
        return false;
    *out = (short)v;
    return true;
}

static bool colour_by_name(const char *s, short *out)
{
    if (strcmp(s, "default") == 0) {
        *out = -1;
        return true;
    }
    for (short i = 0; i < 16; i++) {
        if (strcmp(s, colour_names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* what: "'pane.fail': fg". colors: what the theme says it needs. */
static bool get_colour(struct tfile *F, const yaml_node_t *n, const char *what, int colors,
                       short *out)
{
    if (n->type != YAML_SCALAR_NODE ||
        !(colour_by_name(scalar(n), out) || colour_number(scalar(n), out)))
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "%s: '%s' is not a colour: expected default, black, red, green, "
                            "yellow, blue, magenta, cyan, white, bright-black..bright-white or "
                            "a number 0..255", what,
                            n->type == YAML_SCALAR_NODE ? show_text(scalar(n)).s
                                                        : cfgfile_kind(n));
    if (colours_needed(*out) > colors)
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "%s: colour %s needs 'colors: %d' or more, and this theme has "
                            "'colors: %d'", what, show_text(scalar(n)).s,
                            colours_needed(*out), colors);
    return true;
}

static bool get_attr(struct tfile *F, const yaml_node_t *n, const char *what, unsigned *attrs)
{
    for (size_t i = 0; n->type == YAML_SCALAR_NODE && i < ATTR_COUNT; i++) {
        if (strcmp(scalar(n), attr_names[i]) == 0) {
            *attrs |= 1u << i;
            return true;
        }
    }
    return cfgfile_fail(F->err, F->errlen, F->label, n,
                        "%s: unknown attribute '%s': expected bold, dim, underline, reverse, "
                        "standout, italic or blink", what,
                        n->type == YAML_SCALAR_NODE ? show_text(scalar(n)).s
                                                    : cfgfile_kind(n));
}

/* attrs: one name or a list of names. */
static bool get_attrs(struct tfile *F, yaml_node_t *n, const char *what, unsigned *attrs)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return get_attr(F, n, what, attrs);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++)
        if (!get_attr(F, node_at(F, *it), what, attrs))
            return false;
    return true;
}

enum { SK_FG, SK_BG, SK_ATTRS, SK_COUNT };
static const char *const style_keys[SK_COUNT] = { "fg", "bg", "attrs" };

/* { fg: COLOUR, bg: COLOUR, attrs: [ATTR...] }, each optional: {} is plain text. */
static bool read_style(struct tfile *F, yaml_node_t *map, const char *name, int colors,
                       struct theme_style *st)
{
    char what[96];
    snprintf(what, sizeof what, "style '%s'", name);
    yaml_node_t *k[SK_COUNT];
    if (!read_map(F, map, what, style_keys, SK_COUNT, k))
        return false;
    *st = (struct theme_style){ .fg = -1, .bg = -1, .set = true };
    snprintf(what, sizeof what, "'%s': fg", name);
    if (k[SK_FG] && !get_colour(F, k[SK_FG], what, colors, &st->fg))
        return false;
    snprintf(what, sizeof what, "'%s': bg", name);
    if (k[SK_BG] && !get_colour(F, k[SK_BG], what, colors, &st->bg))
        return false;
    snprintf(what, sizeof what, "'%s': attrs", name);
    return !k[SK_ATTRS] || get_attrs(F, k[SK_ATTRS], what, &st->attrs);
}

/* Up to 6 style names, for the message about an unknown one. */
static void some_styles(const char *bad, char *out, size_t cap)
{
    size_t k = 0, shown = 0;
    out[0] = 0;
    for (int pass = 0; pass < 2 && !shown; pass++) {
        for (unsigned i = 0; i < STYLE_COUNT && shown < 6; i++) {
            const char *n = style_name((enum style)i);
            if (pass == 0 && n[0] != bad[0])
                continue;
            int w = snprintf(out + k, cap - k, "%s%s", shown ? ", " : "", n);
            if (w < 0 || (size_t)w >= cap - k)
                return;
            k += (size_t)w;
            shown++;
        }
    }
}

static bool get_style_name(struct tfile *F, const yaml_node_t *n, const yaml_node_t **seen,
                           enum style *s)
{
    if (n->type != YAML_SCALAR_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "a key in 'styles' must be a style name, not %s", cfgfile_kind(n));
    if (!style_from_name(scalar(n), s)) {
        char some[160];
        some_styles(scalar(n), some, sizeof some);
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "unknown style '%s': expected one like %s", show_text(scalar(n)).s,
                            some);
    }
    if (seen[*s])
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "style '%s' is given twice (first at line %zu)", scalar(n),
                            (size_t)seen[*s]->start_mark.line + 1);
    seen[*s] = n;
    return true;
}

/* The file's styles over the inherited ones (on failure the caller frees the whole theme). */
static bool read_styles(struct tfile *F, yaml_node_t *map, struct theme *t)
{
    if (map->type != YAML_MAPPING_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, map,
                            "'styles' must be a map of style name to {fg, bg, attrs}, not %s",
                            cfgfile_kind(map));
    const yaml_node_t *seen[STYLE_COUNT] = { 0 };
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        enum style s;
        yaml_node_t *k = node_at(F, p->key), *v = node_at(F, p->value);
        if (!get_style_name(F, k, seen, &s) ||
            !read_style(F, v, style_name(s), t->colors, &t->style[s]))
            return false;
    }
    return true;
}

/* 'colors': 256, 16, 8 or 0. */
static bool get_colors(struct tfile *F, const yaml_node_t *n, int *out)
{
    static const int allowed[] = { 256, 16, 8, 0 };
    for (size_t i = 0; n->type == YAML_SCALAR_NODE && i < 4; i++) {
        char s[8];
        snprintf(s, sizeof s, "%d", allowed[i]);
        if (strcmp(scalar(n), s) == 0) {
            *out = allowed[i];
            return true;
        }
    }
    return cfgfile_fail(F->err, F->errlen, F->label, n,
                        "'colors' must be 256, 16, 8 or 0 (no colour: attributes only), not "
                        "'%s'", n->type == YAML_SCALAR_NODE ? show_text(scalar(n)).s
                                                            : cfgfile_kind(n));
}

/* A file that lowers 'colors' below what an inherited style uses is refused. */
static bool inherited_fit(struct tfile *F, const yaml_node_t *at, const struct theme *t)
{
    for (unsigned s = 0; s < STYLE_COUNT; s++) {
        const struct theme_style *st = &t->style[s];
        int need = colours_needed(st->fg) > colours_needed(st->bg) ? colours_needed(st->fg)
                                                                   : colours_needed(st->bg);
        if (st->set && need > t->colors)
            return cfgfile_fail(F->err, F->errlen, F->label, at,
                                "'colors: %d' is too few for the inherited style '%s', which "
                                "needs %d", t->colors, style_name((enum style)s), need);
    }
    return true;
}

enum { TOP_THEME, TOP_COLORS, TOP_INHERIT, TOP_STYLES, TOP_COUNT };
static const char *const top_keys[TOP_COUNT] = { "theme", "colors", "inherit", "styles" };

/* The name from 'theme:', else from the file's name ("mine" for ".../mine.yaml"). */
static bool set_name(struct theme *t, struct tfile *F, const yaml_node_t *root,
                     const yaml_node_t *n)
{
    if (n && (n->type != YAML_SCALAR_NODE || !n->data.scalar.length))
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "'theme' must be the theme's name, not %s",
                            n->type == YAML_SCALAR_NODE ? "nothing" : cfgfile_kind(n));
    char fallback[64];
    cfgfile_short_name(F->label, fallback, sizeof fallback);
    char *name = strdup(n ? scalar(n) : fallback);
    if (!name)
        return cfgfile_fail(F->err, F->errlen, F->label, n ? n : root, "out of memory");
    free(t->name);
    t->name = name;
    return true;
}

static bool load_text(struct theme *t, const char *label, const char *text, size_t len,
                      struct cfgfile_chain *chain, char *err, size_t errlen);

static bool load_parent(struct theme *t, struct tfile *F, const yaml_node_t *at,
                        struct cfgfile_chain *chain)
{
    struct cfgfile f;
    if (!cfgfile_find_inherited("theme", chain, at, &f, F->err, F->errlen))
        return false;
    bool ok = load_text(t, f.label, f.text, f.len, chain, F->err, F->errlen);
    cfgfile_free(&f);
    return ok;
}

static bool load_doc(struct theme *t, struct tfile *F, struct cfgfile_chain *chain)
{
    yaml_node_t *top[TOP_COUNT], *root = yaml_document_get_root_node(F->doc);
    if (!read_map(F, root, "a theme", top_keys, TOP_COUNT, top))
        return false;
    if (top[TOP_INHERIT] && !load_parent(t, F, top[TOP_INHERIT], chain))
        return false;
    if (top[TOP_COLORS]) {
        if (!get_colors(F, top[TOP_COLORS], &t->colors) ||
            !inherited_fit(F, top[TOP_COLORS], t))
            return false;
    } else if (!top[TOP_INHERIT]) {
        return cfgfile_fail(F->err, F->errlen, F->label, root,
                            "a theme needs 'colors' (256, 16, 8 or 0) or 'inherit'");
    }
    if (top[TOP_STYLES] && !read_styles(F, top[TOP_STYLES], t))
        return false;
    return set_name(t, F, root, top[TOP_THEME]);
}

static bool load_text(struct theme *t, const char *label, const char *text, size_t len,
                      struct cfgfile_chain *chain, char *err, size_t errlen)
{
    yaml_document_t doc;
    if (!cfgfile_parse(&doc, label, text, len, err, errlen))
        return false;
    struct tfile F = { label, &doc, err, errlen };
    chain->label[chain->depth++] = label;
    bool ok = load_doc(t, &F, chain);
    chain->depth--;
    yaml_document_delete(&doc);
    return ok;
}

bool theme_load_string(struct theme *t, const char *name, const char *yaml, size_t len,
                       char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (err && errlen)
        err[0] = 0;
    struct cfgfile_chain chain = { 0 };
    if (load_text(t, name, yaml, len, &chain, err, errlen))
        return true;
    theme_free(t);
    return false;
}

bool theme_load(struct theme *t, const char *name_or_path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    struct cfgfile f;
    if (!cfgfile_find("theme", name_or_path, &f, err, errlen))
        return false;
    bool ok = theme_load_string(t, f.label, f.text, f.len, err, errlen);
    cfgfile_free(&f);
    return ok;
}

/* ---- curses ----------------------------------------------------------------------------- */

static attr_t curses_attrs(unsigned attrs)
{
    static const attr_t map[ATTR_COUNT] = {
        A_BOLD, A_DIM, A_UNDERLINE, A_REVERSE, A_STANDOUT,
#ifdef A_ITALIC
        A_ITALIC,
#else
        A_NORMAL,
#endif
        A_BLINK,
    };
    attr_t a = A_NORMAL;
    for (size_t i = 0; i < ATTR_COUNT; i++)
        if (attrs & (1u << i))
            a |= map[i];
    return a;
}

/* One set style as curses draws it; *pair: the last colour pair used. */
static attr_t style_attr(const struct theme_style *st, bool colour, bool defaults, short *pair)
{
    attr_t a = curses_attrs(st->attrs);
    if (!colour || (st->fg < 0 && st->bg < 0) || *pair + 1 >= COLOR_PAIRS)
        return a;
    short fg = st->fg, bg = st->bg;
    if (!defaults) { /* without use_default_colors, -1 is no colour: white on black stands in */
        fg = fg < 0 ? COLOR_WHITE : fg;
        bg = bg < 0 ? COLOR_BLACK : bg;
    }
    if (init_pair((short)(*pair + 1), fg, bg) != OK)
        return a;
    ++*pair;
    return a | COLOR_PAIR(*pair);
}

void theme_apply(const struct theme *t, attr_t out[STYLE_COUNT])
{
    bool colour = t->colors > 0 && has_colors() && COLORS >= t->colors;
    bool defaults = colour && use_default_colors() == OK;
    short pair = 0;
    const struct theme_style *normal = &t->style[STYLE_NORMAL];
    out[STYLE_NORMAL] = normal->set ? style_attr(normal, colour, defaults, &pair) : A_NORMAL;
    for (unsigned s = 0; s < STYLE_COUNT; s++) {
        if (s != STYLE_NORMAL)
            out[s] = t->style[s].set ? style_attr(&t->style[s], colour, defaults, &pair)
                                     : out[STYLE_NORMAL];
    }
}
