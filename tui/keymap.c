/* keymap.c - keymaps: key names, loading the YAML (FILE:LINE:COLUMN errors, inheritance) and
 * looking keys up; also finding and parsing keymap and theme files, which theme.c shares. */
#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builtin.h"
#include "keymap.h"

/* A keymap or theme is a small hand-written file; anything bigger is a mistake. */
#define CFGFILE_MAX (1u << 20)
/* Room for a path in the user's configuration folder. */
#define CFGFILE_PATH 4096

/* ---- messages --------------------------------------------------------------------------- */

bool cfgfile_fail(char *err, size_t errlen, const char *label, const yaml_node_t *at,
                  const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err && errlen)
        snprintf(err, errlen, "%s:%zu:%zu: %s", label, (size_t)at->start_mark.line + 1,
                 (size_t)at->start_mark.column + 1, msg);
    return false;
}

const char *cfgfile_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a single value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a map";
    default: return "nothing";
    }
}

/* ---- finding a file --------------------------------------------------------------------- */

void cfgfile_free(struct cfgfile *f)
{
    free(f->label);
    free(f->text);
    memset(f, 0, sizeof *f);
}

static bool is_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n >= 5 && strcmp(s + n - 5, ".yaml") == 0);
}

/* Reads at most CFGFILE_MAX bytes: a larger file is refused, not cut. Sets errno on failure
 * (EFBIG: too large). */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 16 * 1024, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap && ferror(f))
            break;
        if (n > CFGFILE_MAX) {
            errno = EFBIG;
            break;
        }
        if (n < cap) {
            buf[n] = 0;
            *len = n;
            return buf;
        }
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb)
            break;
        buf = nb;
    }
    free(buf);
    return NULL;
}

/* Opens path; *missing tells a file that is not there (look elsewhere) from one that fails. */
static bool read_path(const char *path, struct cfgfile *out, bool *missing, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "rb");
    *missing = !f && errno == ENOENT;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    errno = 0;
    out->text = read_all(f, &out->len);
    int e = errno;
    fclose(f);
    if (!out->text) {
        if (e == EFBIG)
            snprintf(err, errlen, "%s: larger than %u KiB: not a keymap or theme", path,
                     CFGFILE_MAX >> 10);
        else
            snprintf(err, errlen, "%s: cannot read: %s", path, e ? strerror(e) : "out of memory");
        return false;
    }
    if (!(out->label = strdup(path))) {
        cfgfile_free(out);
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    return true;
}

/* $XDG_CONFIG_HOME/scepscope/KINDs/NAME.yaml, XDG_CONFIG_HOME defaulting to $HOME/.config (a
 * relative XDG_CONFIG_HOME is ignored, as the XDG specification says). False without HOME. */
static bool user_path(const char *kind, const char *name, char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int w;
    if (xdg && xdg[0] == '/')
        w = snprintf(out, cap, "%s/scepscope/%ss/%s.yaml", xdg, kind, name);
    else if (home && home[0])
        w = snprintf(out, cap, "%s/.config/scepscope/%ss/%s.yaml", home, kind, name);
    else
        return false;
    return w > 0 && (size_t)w < cap;
}

static bool from_builtin(const struct builtin_file *b, struct cfgfile *out)
{
    out->label = strdup(b->path);
    out->text = malloc(b->len + 1);
    if (!out->label || !out->text) {
        cfgfile_free(out);
        return false;
    }
    memcpy(out->text, b->data, b->len);
    out->text[b->len] = 0;
    out->len = b->len;
    return true;
}

/* "default, emacs, vi": the built-in files of a kind, for the message when a name is not found. */
static void builtin_names(const char *kind, char *out, size_t cap)
{
    char dir[32];
    int d = snprintf(dir, sizeof dir, "%ss/", kind);
    size_t k = 0;
    out[0] = 0;
    for (const struct builtin_file *f = builtin_files; f->path && d > 0; f++) {
        size_t n = strlen(f->path);
        if (strncmp(f->path, dir, (size_t)d) != 0 || n < (size_t)d + 5 ||
            strcmp(f->path + n - 5, ".yaml") != 0)
            continue;
        int w = snprintf(out + k, cap - k, "%s%.*s", k ? ", " : "", (int)(n - (size_t)d - 5),
                         f->path + d);
        if (w < 0 || (size_t)w >= cap - k)
            return;
        k += (size_t)w;
    }
}

static bool not_found(const char *kind, const char *name, const char *user, char *err,
                      size_t errlen)
{
    char names[256];
    builtin_names(kind, names, sizeof names);
    snprintf(err, errlen, "no %s named '%s' (looked in %s%s and the built-in %ss: %s)", kind,
             show_text(name).s, user[0] ? user : "", user[0] ? "" : "no $HOME",
             kind, names[0] ? names : "none");
    return false;
}

bool cfgfile_find(const char *kind, const char *name_or_path, struct cfgfile *out, char *err,
                  size_t errlen)
{
    char dummy[1];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    memset(out, 0, sizeof *out);
    bool missing;
    if (is_path(name_or_path))
        return read_path(name_or_path, out, &missing, err, errlen);
    if (!name_or_path[0]) {
        snprintf(err, errlen, "an empty %s name", kind);
        return false;
    }
    char user[CFGFILE_PATH] = "";
    if (user_path(kind, name_or_path, user, sizeof user)) {
        if (read_path(user, out, &missing, err, errlen))
            return true;
        if (!missing) /* there but unreadable: say so rather than quietly use the built-in */
            return false;
    } else {
        user[0] = 0;
    }
    char bpath[CFGFILE_PATH];
    snprintf(bpath, sizeof bpath, "%ss/%s.yaml", kind, name_or_path);
    const struct builtin_file *b = builtin_find(bpath);
    if (b && !from_builtin(b, out)) {
        snprintf(err, errlen, "%s: out of memory", bpath);
        return false;
    }
    return b ? true : not_found(kind, name_or_path, user, err, errlen);
}

void cfgfile_short_name(const char *label, char *out, size_t cap)
{
    const char *base = strrchr(label, '/');
    base = base ? base + 1 : label;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    snprintf(out, cap, "%.*s", (int)n, base);
}

static bool loop_error(const struct cfgfile_chain *chain, size_t from, const char *label,
                       const yaml_node_t *at, char *err, size_t errlen)
{
    char path[512] = "", one[64];
    size_t k = 0;
    for (size_t i = from; i <= chain->depth; i++) {
        cfgfile_short_name(i < chain->depth ? chain->label[i] : label, one, sizeof one);
        int w = snprintf(path + k, sizeof path - k, "%s%s", k ? " -> " : "", one);
        if (w < 0 || (size_t)w >= sizeof path - k)
            break;
        k += (size_t)w;
    }
    return cfgfile_fail(err, errlen, chain->label[chain->depth - 1], at,
                        "inherit loop: %s", path);
}

bool cfgfile_find_inherited(const char *kind, const struct cfgfile_chain *chain,
                            const yaml_node_t *at, struct cfgfile *out, char *err,
                            size_t errlen)
{
    const char *here = chain->label[chain->depth - 1];
    memset(out, 0, sizeof *out);
    if (at->type != YAML_SCALAR_NODE || !at->data.scalar.length)
        return cfgfile_fail(err, errlen, here, at, "'inherit' must be the name of a %s, not %s",
                            kind, at->type == YAML_SCALAR_NODE ? "nothing" : cfgfile_kind(at));
    if (chain->depth > CFGFILE_MAX_INHERIT)
        return cfgfile_fail(err, errlen, here, at, "more than %d levels of 'inherit'",
                            CFGFILE_MAX_INHERIT);
    char why[768];
    if (!cfgfile_find(kind, (const char *)at->data.scalar.value, out, why, sizeof why))
        return cfgfile_fail(err, errlen, here, at, "inherit: %s", why);
    for (size_t i = 0; i < chain->depth; i++) {
        if (strcmp(chain->label[i], out->label) == 0) {
            loop_error(chain, i, out->label, at, err, errlen);
            cfgfile_free(out);
            return false;
        }
    }
    return true;
}

/* ---- parsing ---------------------------------------------------------------------------- */

/* Line and column of a byte offset: libyaml's reader errors give only the offset. */
static void offset_position(const char *text, size_t len, size_t off, size_t *line,
                            size_t *col)
{
    size_t l = 1, start = 0;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = off - start + 1;
}

static bool syntax_error(const yaml_parser_t *yp, const char *label, const char *text,
                         size_t len, char *err, size_t errlen)
{
    size_t line = yp->problem_mark.line + 1, col = yp->problem_mark.column + 1;
    if (yp->error == YAML_READER_ERROR)
        offset_position(text, len, yp->problem_offset, &line, &col);
    const char *problem = yp->problem ? yp->problem
                          : yp->error == YAML_MEMORY_ERROR ? "out of memory"
                                                           : "not readable as YAML";
    if (!err || !errlen)
        return false;
    if (yp->error == YAML_READER_ERROR)
        snprintf(err, errlen, "%s:%zu:%zu: %s: the file must be UTF-8 text", label, line, col,
                 problem);
    else if (yp->context)
        snprintf(err, errlen, "%s:%zu:%zu: %s (%s)", label, line, col, problem, yp->context);
    else
        snprintf(err, errlen, "%s:%zu:%zu: %s", label, line, col, problem);
    return false;
}

/* The text after the first document must hold no second one. */
static bool no_second_document(yaml_parser_t *yp, const char *label, const char *text,
                               size_t len, char *err, size_t errlen)
{
    yaml_document_t next;
    if (!yaml_parser_load(yp, &next))
        return syntax_error(yp, label, text, len, err, errlen);
    yaml_node_t *root = yaml_document_get_root_node(&next);
    bool ok = !root || cfgfile_fail(err, errlen, label, root,
                                    "a second YAML document ('---'): the file holds one");
    yaml_document_delete(&next);
    return ok;
}

bool cfgfile_parse(yaml_document_t *doc, const char *label, const char *text, size_t len,
                   char *err, size_t errlen)
{
    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: out of memory", label);
        return false;
    }
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    if (!yaml_parser_load(&yp, doc)) {
        syntax_error(&yp, label, text, len, err, errlen);
        yaml_parser_delete(&yp);
        return false;
    }
    bool ok = true;
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "%s:1:1: the file is empty", label);
        ok = false;
    } else {
        ok = no_second_document(&yp, label, text, len, err, errlen);
    }
    if (!ok)
        yaml_document_delete(doc);
    yaml_parser_delete(&yp);
    return ok;
}

/* ---- key names -------------------------------------------------------------------------- */

struct named_key {
    const char *name;
    int key;
};

/* The first name of a key is the one shown; later ones are aliases. */
static const struct named_key named_keys[] = {
    { "Space", ' ' },          { "Enter", '\n' },           { "Escape", 27 },
    { "Esc", 27 },             { "Tab", '\t' },             { "BackTab", KEY_BTAB },
    { "Backspace", KEY_BACKSPACE }, { "Up", KEY_UP },       { "Down", KEY_DOWN },
    { "Left", KEY_LEFT },      { "Right", KEY_RIGHT },      { "PageUp", KEY_PPAGE },
    { "PageDown", KEY_NPAGE }, { "Home", KEY_HOME },        { "End", KEY_END },
    { "Insert", KEY_IC },      { "Delete", KEY_DC },
};
#define NAMED_KEYS (sizeof named_keys / sizeof named_keys[0])

/* One code per key, whatever the terminal sent: Enter arrives as '\n', '\r' (also C-m) or
 * KEY_ENTER; Backspace as DEL over most SSH clients; PuTTY's Home and End as Find and Select. */
static int normalise(int key)
{
    int meta = key & KEYMAP_META, k = key & ~KEYMAP_META;
    switch (k) {
    case '\r': case KEY_ENTER: k = '\n'; break;
    case 127: k = KEY_BACKSPACE; break;
    case KEY_FIND: k = KEY_HOME; break;
    case KEY_SELECT: k = KEY_END; break;
    default: break;
    }
    return meta | k;
}

/* C-x: a letter (either case) or one of @[\]^_. */
static bool control_key(const char *rest, int *key)
{
    char c = rest[0];
    if (!c || rest[1])
        return false;
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || strchr("@[\\]^_", c)))
        return false;
    *key = c & 0x1f;
    return true;
}

static bool function_key(const char *name, int *key)
{
    if ((name[0] != 'F' && name[0] != 'f') || !name[1] || name[1] == '0')
        return false;
    int n = 0;
    for (const char *p = name + 1; *p; p++) {
        if (*p < '0' || *p > '9' || n > 12)
            return false;
        n = n * 10 + (*p - '0');
    }
    if (n < 1 || n > 12)
        return false;
    *key = KEY_F(n);
    return true;
}

static bool named_key(const char *name, int *key)
{
    for (size_t i = 0; i < NAMED_KEYS; i++) {
        if (strcasecmp(name, named_keys[i].name) == 0) {
            *key = named_keys[i].key;
            return true;
        }
    }
    return false;
}

/* One character: printable ASCII stands for itself. */
static bool char_key(const char *name, int *key)
{
    unsigned char c = (unsigned char)name[0];
    if (!c || name[1] || c < 0x20 || c >= 0x7f)
        return false;
    *key = c;
    return true;
}

/* M-x: any key but another M-, as a terminal sends it: Escape, then the key. */
static bool meta_key(const char *rest, int *key)
{
    if (strncasecmp(rest, "M-", 2) == 0 || !keymap_key_from_name(rest, key))
        return false;
    *key |= KEYMAP_META;
    return true;
}

bool keymap_key_from_name(const char *name, int *key)
{
    int k;
    bool ok;
    if (name[0] && !name[1])
        ok = char_key(name, &k);
    else if (strncasecmp(name, "C-", 2) == 0)
        ok = control_key(name + 2, &k);
    else if (strncasecmp(name, "M-", 2) == 0)
        ok = meta_key(name + 2, &k);
    else
        ok = function_key(name, &k) || named_key(name, &k);
    if (ok)
        *key = normalise(k);
    return ok;
}

const char *keymap_key_name(int key, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    key = normalise(key);
    if (key & KEYMAP_META) {
        char inner[32];
        keymap_key_name(key & ~KEYMAP_META, inner, sizeof inner);
        snprintf(buf, cap, "M-%s", inner);
        return buf;
    }
    for (size_t i = 0; i < NAMED_KEYS; i++) {
        if (named_keys[i].key == key) {
            snprintf(buf, cap, "%s", named_keys[i].name);
            return buf;
        }
    }
    if (key >= KEY_F(1) && key <= KEY_F(12))
        snprintf(buf, cap, "F%d", key - KEY_F0);
    else if (key >= 0 && key < 0x20)
        snprintf(buf, cap, "C-%c", key >= 1 && key <= 26 ? 'a' + key - 1 : key | 0x40);
    else if (key > 0x20 && key < 0x7f)
        snprintf(buf, cap, "%c", key);
    else
        snprintf(buf, cap, "<%d>", key);
    return buf;
}

/* ---- the table -------------------------------------------------------------------------- */

void keymap_free(struct keymap *km)
{
    free(km->name);
    free(km->bind);
    memset(km, 0, sizeof *km);
}

enum action keymap_action(const struct keymap *km, int key)
{
    key = normalise(key);
    for (size_t i = 0; i < km->n; i++)
        if (km->bind[i].key == key)
            return km->bind[i].action;
    return ACT_NONE;
}

size_t keymap_keys(const struct keymap *km, enum action a, char *out, size_t cap)
{
    size_t used = 0, count = 0;
    if (!cap)
        return 0;
    out[0] = 0;
    for (size_t i = 0; i < km->n; i++) {
        if (km->bind[i].action != a)
            continue;
        char name[40];
        keymap_key_name(km->bind[i].key, name, sizeof name);
        size_t need = strlen(name) + (count ? 2 : 0);
        if (used + need >= cap) /* cut between keys, never inside a name */
            break;
        snprintf(out + used, cap - used, "%s%s", count ? ", " : "", name);
        used += need;
        count++;
    }
    return count;
}

static bool add_binding(struct keymap *km, int key, enum action a)
{
    if (km->n == km->cap) {
        size_t cap = km->cap ? km->cap * 2 : 64;
        struct keymap_binding *nb = realloc(km->bind, cap * sizeof *nb);
        if (!nb)
            return false;
        km->bind = nb;
        km->cap = cap;
    }
    km->bind[km->n++] = (struct keymap_binding){ key, a };
    return true;
}

/* ---- reading a keymap file -------------------------------------------------------------- */

/* One key a file gives, before it is applied over what the file inherits. */
struct given {
    int key;
    enum action action;
    const yaml_node_t *node;
};

/* What one file says. */
struct kfile {
    const char *label;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    struct given *keys;
    size_t nkeys;
    const yaml_node_t *listed[ACTION_COUNT]; /* the action's name node, when the file lists it */
};

static yaml_node_t *node_at(struct kfile *F, yaml_node_item_t i)
{
    return yaml_document_get_node(F->doc, i);
}

/* A few valid names for the message: those sharing the first letter, else the first few. */
static void suggest_actions(const char *bad, char *out, size_t cap)
{
    size_t k = 0, shown = 0;
    out[0] = 0;
    for (int pass = 0; pass < 2 && !shown; pass++) {
        for (unsigned i = 1; i < ACTION_COUNT && shown < 6; i++) {
            const char *n = action_name((enum action)i);
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

static bool get_action(struct kfile *F, const yaml_node_t *n, enum action *a)
{
    if (n->type != YAML_SCALAR_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "a key in 'keys' must be an action name, not %s", cfgfile_kind(n));
    const char *name = (const char *)n->data.scalar.value;
    if (!action_from_name(name, a)) {
        char some[160];
        suggest_actions(name, some, sizeof some);
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "unknown action '%s': expected one like %s (see the help screen)",
                            show_text(name).s, some);
    }
    if (F->listed[*a])
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "action '%s' is given twice (first at line %zu)", name,
                            (size_t)F->listed[*a]->start_mark.line + 1);
    F->listed[*a] = n;
    return true;
}

static bool add_given(struct kfile *F, const yaml_node_t *n, enum action a)
{
    if (n->type != YAML_SCALAR_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "'%s': a key must be a key name, not %s", action_name(a),
                            cfgfile_kind(n));
    const char *name = (const char *)n->data.scalar.value;
    int key;
    if (!keymap_key_from_name(name, &key))
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "unknown key name '%s': expected a character (j, ?, /), Space, "
                            "Enter, Escape, Tab, BackTab, Backspace, Up, Down, Left, Right, "
                            "PageUp, PageDown, Home, End, Insert, Delete, F1..F12, C-x or M-x",
                            show_text(name).s);
    for (size_t i = 0; i < F->nkeys; i++) {
        const struct given *g = &F->keys[i];
        if (g->key != key)
            continue;
        char shown[40];
        keymap_key_name(key, shown, sizeof shown);
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "key '%s' is already bound to '%s' in this file (line %zu): a key "
                            "does one thing", shown, action_name(g->action),
                            (size_t)g->node->start_mark.line + 1);
    }
    F->keys[F->nkeys++] = (struct given){ key, a, n };
    return true;
}

/* The value of one action: a key, or a list of keys ([] for none). */
static bool read_action_keys(struct kfile *F, yaml_node_t *v, enum action a)
{
    if (v->type == YAML_SCALAR_NODE && v->data.scalar.length)
        return add_given(F, v, a);
    if (v->type != YAML_SEQUENCE_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, v,
                            "'%s' needs a key or a list of keys ([] for none), not %s",
                            action_name(a), v->type == YAML_SCALAR_NODE ? "nothing"
                                                                        : cfgfile_kind(v));
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++)
        if (!add_given(F, node_at(F, *it), a))
            return false;
    return true;
}

/* Keys a file can give at most: every scalar of the document (a cheap upper bound). */
static size_t count_nodes(yaml_document_t *doc)
{
    return (size_t)(doc->nodes.top - doc->nodes.start);
}

static bool read_keys(struct kfile *F, yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, map,
                            "'keys' must be a map of action name to keys, not %s",
                            cfgfile_kind(map));
    if (!(F->keys = calloc(count_nodes(F->doc) + 1, sizeof *F->keys)))
        return cfgfile_fail(F->err, F->errlen, F->label, map, "out of memory");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        enum action a;
        yaml_node_t *k = node_at(F, p->key), *v = node_at(F, p->value);
        if (!get_action(F, k, &a) || !read_action_keys(F, v, a))
            return false;
    }
    return true;
}

/* The file's keys over the inherited ones: a listed action loses the keys it had, a given key
 * leaves whatever action had it. Order is kept, so the help shows keys as the files list them. */
static bool apply(struct keymap *km, const struct kfile *F)
{
    size_t o = 0;
    for (size_t i = 0; i < km->n; i++) {
        bool drop = F->listed[km->bind[i].action] != NULL;
        for (size_t j = 0; j < F->nkeys && !drop; j++)
            drop = F->keys[j].key == km->bind[i].key;
        if (!drop)
            km->bind[o++] = km->bind[i];
    }
    km->n = o;
    for (size_t j = 0; j < F->nkeys; j++)
        if (F->keys[j].action != ACT_NONE && !add_binding(km, F->keys[j].key, F->keys[j].action))
            return false;
    return true;
}

enum { TOP_KEYMAP, TOP_INHERIT, TOP_KEYS, TOP_COUNT };
static const char *const top_keys[TOP_COUNT] = { "keymap", "inherit", "keys" };

/* The root map's values by TOP_*, refusing other keys. */
static bool read_top(struct kfile *F, yaml_node_t *root, yaml_node_t **found)
{
    memset(found, 0, TOP_COUNT * sizeof *found);
    if (root->type != YAML_MAPPING_NODE)
        return cfgfile_fail(F->err, F->errlen, F->label, root,
                            "a keymap must be a map with 'keymap', 'inherit' and 'keys', not %s",
                            cfgfile_kind(root));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(F, p->key), *v = node_at(F, p->value);
        size_t i = 0;
        while (k->type == YAML_SCALAR_NODE && i < TOP_COUNT &&
               strcmp((const char *)k->data.scalar.value, top_keys[i]) != 0)
            i++;
        if (k->type != YAML_SCALAR_NODE || i == TOP_COUNT)
            return cfgfile_fail(F->err, F->errlen, F->label, k,
                                "unknown key '%s': a keymap has 'keymap', 'inherit' and 'keys'",
                                k->type == YAML_SCALAR_NODE
                                    ? show_text((const char *)k->data.scalar.value).s
                                    : cfgfile_kind(k));
        if (found[i])
            return cfgfile_fail(F->err, F->errlen, F->label, k, "'%s' is given twice",
                                top_keys[i]);
        found[i] = v;
    }
    return true;
}

/* The name from 'keymap:', else from the file's name ("vi" for ".../vi.yaml"). */
static bool set_name(struct keymap *km, struct kfile *F, const yaml_node_t *root,
                     const yaml_node_t *n)
{
    if (n && (n->type != YAML_SCALAR_NODE || !n->data.scalar.length))
        return cfgfile_fail(F->err, F->errlen, F->label, n,
                            "'keymap' must be the keymap's name, not %s",
                            n->type == YAML_SCALAR_NODE ? "nothing" : cfgfile_kind(n));
    char fallback[64];
    cfgfile_short_name(F->label, fallback, sizeof fallback);
    char *name = strdup(n ? (const char *)n->data.scalar.value : fallback);
    if (!name)
        return cfgfile_fail(F->err, F->errlen, F->label, n ? n : root, "out of memory");
    free(km->name);
    km->name = name;
    return true;
}

static bool load_text(struct keymap *km, const char *label, const char *text, size_t len,
                      struct cfgfile_chain *chain, char *err, size_t errlen);

static bool load_parent(struct keymap *km, struct kfile *F, const yaml_node_t *at,
                        struct cfgfile_chain *chain)
{
    struct cfgfile f;
    if (!cfgfile_find_inherited("keymap", chain, at, &f, F->err, F->errlen))
        return false;
    bool ok = load_text(km, f.label, f.text, f.len, chain, F->err, F->errlen);
    cfgfile_free(&f);
    return ok;
}

static bool load_doc(struct keymap *km, struct kfile *F, struct cfgfile_chain *chain)
{
    yaml_node_t *top[TOP_COUNT], *root = yaml_document_get_root_node(F->doc);
    if (!read_top(F, root, top))
        return false;
    if (top[TOP_INHERIT] && !load_parent(km, F, top[TOP_INHERIT], chain))
        return false;
    if (top[TOP_KEYS]) {
        if (!read_keys(F, top[TOP_KEYS]))
            return false;
        if (!apply(km, F))
            return cfgfile_fail(F->err, F->errlen, F->label, top[TOP_KEYS], "out of memory");
    }
    return set_name(km, F, root, top[TOP_KEYMAP]);
}

static bool load_text(struct keymap *km, const char *label, const char *text, size_t len,
                      struct cfgfile_chain *chain, char *err, size_t errlen)
{
    yaml_document_t doc;
    if (!cfgfile_parse(&doc, label, text, len, err, errlen))
        return false;
    struct kfile F = { .label = label, .doc = &doc, .err = err, .errlen = errlen };
    chain->label[chain->depth++] = label;
    bool ok = load_doc(km, &F, chain);
    chain->depth--;
    free(F.keys);
    yaml_document_delete(&doc);
    return ok;
}

bool keymap_load_string(struct keymap *km, const char *name, const char *yaml, size_t len,
                        char *err, size_t errlen)
{
    memset(km, 0, sizeof *km);
    if (err && errlen)
        err[0] = 0;
    struct cfgfile_chain chain = { 0 };
    if (load_text(km, name, yaml, len, &chain, err, errlen))
        return true;
    keymap_free(km);
    return false;
}

bool keymap_load(struct keymap *km, const char *name_or_path, char *err, size_t errlen)
{
    memset(km, 0, sizeof *km);
    struct cfgfile f;
    if (!cfgfile_find("keymap", name_or_path, &f, err, errlen))
        return false;
    bool ok = keymap_load_string(km, f.label, f.text, f.len, err, errlen);
    cfgfile_free(&f);
    return ok;
}
