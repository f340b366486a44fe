/* keymap.h - which key does which action: keymaps loaded from YAML (by name from the user's
 * folder or the built-in ones, or by path), with inheritance; also the file lookup themes share. */
#ifndef SCEPSCOPE_KEYMAP_H
#define SCEPSCOPE_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "actions.h"
#include "escape.h"

/* A meta (alt) key as terminals send it, Escape then the key: KEYMAP_META | the key's code.
 * Above every ncurses KEY_* code. */
#define KEYMAP_META 0x1000000

/* How many files deep 'inherit' may go, for keymaps and themes. */
#define CFGFILE_MAX_INHERIT 8

struct keymap_binding {
    int key;            /* normalised: Enter is '\n', Backspace KEY_BACKSPACE, ... */
    enum action action; /* never ACT_NONE: a key taken away is removed */
};

/* The bindings, in the order the files gave them: read key -> action for a key press, and
 * action -> keys (in that order) for the help screen. A few dozen entries, so a linear scan
 * costs nothing next to a redraw. */
struct keymap {
    char *name;
    struct keymap_binding *bind;
    size_t n, cap;
};

/* Loads a keymap. name_or_path: a path when it holds '/' or ends in ".yaml"; else a name looked
 * up as $XDG_CONFIG_HOME/scepscope/keymaps/NAME.yaml (default ~/.config), then the built-in
 * keymaps/NAME.yaml. km is overwritten; on failure it is left empty and err holds
 * "FILE:LINE:COLUMN: what is wrong". In a file, listing an action gives it exactly the keys
 * listed (replacing what it inherited), and takes those keys away from any other action;
 * 'none: [x]' only takes x away. */
bool keymap_load(struct keymap *km, const char *name_or_path, char *err, size_t errlen);
/* The same from text in memory; name is the file name used in messages (and the keymap's name
 * when the text has no 'keymap:'). 'inherit' is resolved as by keymap_load. */
bool keymap_load_string(struct keymap *km, const char *name, const char *yaml, size_t len,
                        char *err, size_t errlen);
void keymap_free(struct keymap *km);

/* The action of a key as getch() returned it (Enter as '\n', '\r' or KEY_ENTER; a meta key
 * as KEYMAP_META | key), or ACT_NONE. */
enum action keymap_action(const struct keymap *km, int key);
/* The action's keys for the help screen, "j, Down, C-n", cut only between keys to fit cap.
 * Returns how many keys it wrote (0: the action has no key; out is then ""). */
size_t keymap_keys(const struct keymap *km, enum action a, char *out, size_t cap);
/* A key's name as keymaps write it ("j", "Enter", "C-n", "M-v", "F1"); returns buf. */
const char *keymap_key_name(int key, char *buf, size_t cap);
/* A key name as keymaps write it -> its code; false when it is not a key name. */
bool keymap_key_from_name(const char *name, int *key);

/* ---- finding and parsing the YAML of a keymap or theme (theme.c uses these too) ---------- */

struct cfgfile {
    char *label; /* the path, or "keymaps/NAME.yaml" for a built-in file: used in messages */
    char *text;
    size_t len;
};

/* kind: "keymap" or "theme" (the folder is kind + "s"). Finds the file as keymap_load
 * describes; on failure err says where it looked. */
bool cfgfile_find(const char *kind, const char *name_or_path, struct cfgfile *out, char *err,
                  size_t errlen);
void cfgfile_free(struct cfgfile *f);
/* "vi" for ".../keymaps/vi.yaml": a file's name without folder and ".yaml". */
void cfgfile_short_name(const char *label, char *out, size_t cap);
/* Parses text as exactly one YAML document with a root; errors as LABEL:LINE:COLUMN. On
 * success the caller deletes doc. */
bool cfgfile_parse(yaml_document_t *doc, const char *label, const char *text, size_t len,
                   char *err, size_t errlen);
/* Writes "LABEL:LINE:COLUMN: message" for node at into err; returns false. */
__attribute__((format(printf, 5, 6)))
bool cfgfile_fail(char *err, size_t errlen, const char *label, const yaml_node_t *at,
                  const char *fmt, ...);
/* "a single value", "a list", "a map": for messages about wrong node types. */
const char *cfgfile_kind(const yaml_node_t *n);

/* The files being loaded, outermost first: to refuse an inherit loop or a chain too deep. */
struct cfgfile_chain {
    size_t depth;
    const char *label[CFGFILE_MAX_INHERIT + 1];
};

/* Finds the file named by the 'inherit' value node at, in the file chain ends with; refuses
 * loops and chains deeper than CFGFILE_MAX_INHERIT, errors placed at at. */
bool cfgfile_find_inherited(const char *kind, const struct cfgfile_chain *chain,
                            const yaml_node_t *at, struct cfgfile *out, char *err,
                            size_t errlen);

#endif
