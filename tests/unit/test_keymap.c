/* test_keymap.c - keymaps: the built-in ones bind the keys users expect, inheritance overrides,
 * key names both ways, and every kind of mistake reported at FILE:LINE:COLUMN. */
#include <curses.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "keymap.h"

static char errbuf[1024];

/* Every test runs with an empty $XDG_CONFIG_HOME of its own, so that the user's own keymaps
 * never change what the built-in ones are tested to do. */

static char xdg[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", xdg, rel);
    for (char *p = path + strlen(xdg) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup_xdg(void **state)
{
    (void)state;
    strcpy(xdg, "/tmp/scepscope-keymap-XXXXXX");
    if (!mkdtemp(xdg))
        return -1;
    return setenv("XDG_CONFIG_HOME", xdg, 1);
}

static int remove_xdg(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", xdg);
    unsetenv("XDG_CONFIG_HOME");
    return system(cmd) == 0 ? 0 : -1;
}


/* Loads a built-in or user keymap by name; fails the test with the message if it cannot. */
static void load(struct keymap *km, const char *name)
{
    bool ok = keymap_load(km, name, errbuf, sizeof errbuf);
    if (!ok)
        fail_msg("%s: %s", name, errbuf);
}

/* Loads text that must be refused; returns the message. */
static const char *refused(const char *yaml)
{
    struct keymap km;
    bool ok = keymap_load_string(&km, "t.yaml", yaml, strlen(yaml), errbuf, sizeof errbuf);
    assert_false(ok);
    assert_null(km.bind);
    assert_int_equal(km.n, 0);
    return errbuf;
}

static void assert_prefix(const char *msg, const char *prefix)
{
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("expected '%s...', got '%s'", prefix, msg);
}

static void default_binds_less_keys(void **state)
{
    (void)state;
    struct keymap km;
    load(&km, "default");
    assert_string_equal(km.name, "default");
    assert_int_equal(keymap_action(&km, 'j'), ACT_DOWN);
    assert_int_equal(keymap_action(&km, KEY_DOWN), ACT_DOWN);
    assert_int_equal(keymap_action(&km, 'k'), ACT_UP);
    assert_int_equal(keymap_action(&km, 'q'), ACT_QUIT);
    assert_int_equal(keymap_action(&km, 27), ACT_BACK);
    assert_int_equal(keymap_action(&km, '/'), ACT_SEARCH);
    assert_int_equal(keymap_action(&km, '1'), ACT_STEP_1);
    assert_int_equal(keymap_action(&km, '6'), ACT_STEP_6);
    assert_int_equal(keymap_action(&km, ' '), ACT_PAGE_DOWN);
    assert_int_equal(keymap_action(&km, 'f' & 0x1f), ACT_PAGE_DOWN);
    assert_int_equal(keymap_action(&km, ']'), ACT_NEXT_ATTEMPT);
    assert_int_equal(keymap_action(&km, '['), ACT_PREV_ATTEMPT);
    assert_int_equal(keymap_action(&km, '?'), ACT_HELP);
    assert_int_equal(keymap_action(&km, KEY_F(1)), ACT_HELP);
    assert_int_equal(keymap_action(&km, '\t'), ACT_FOCUS);
    assert_int_equal(keymap_action(&km, 'l' & 0x1f), ACT_REDRAW);
    /* Enter as every terminal sends it */
    assert_int_equal(keymap_action(&km, '\n'), ACT_OPEN);
    assert_int_equal(keymap_action(&km, '\r'), ACT_OPEN);
    assert_int_equal(keymap_action(&km, KEY_ENTER), ACT_OPEN);
    /* unbound keys do nothing */
    assert_int_equal(keymap_action(&km, 'z'), ACT_NONE);
    assert_int_equal(keymap_action(&km, KEYMAP_META | 'j'), ACT_NONE);
    keymap_free(&km);
}

/* Every action but none has a key in the default keymap: the help can show how to do it. */
static void default_reaches_every_action(void **state)
{
    (void)state;
    struct keymap km;
    load(&km, "default");
    char keys[128];
    for (int a = 1; a < ACTION_COUNT; a++)
        if (!keymap_keys(&km, (enum action)a, keys, sizeof keys))
            fail_msg("action '%s' has no key", action_name((enum action)a));
    keymap_free(&km);
}

static void keys_for_help(void **state)
{
    (void)state;
    struct keymap km;
    load(&km, "default");
    char keys[64];
    assert_int_equal(keymap_keys(&km, ACT_DOWN, keys, sizeof keys), 2);
    assert_non_null(strstr(keys, "j"));
    assert_non_null(strstr(keys, "Down"));
    assert_non_null(strstr(keys, ", "));
    assert_int_equal(keymap_keys(&km, ACT_OPEN, keys, sizeof keys), 1);
    assert_string_equal(keys, "Enter");
    assert_int_equal(keymap_keys(&km, ACT_NONE, keys, sizeof keys), 0);
    assert_string_equal(keys, "");
    /* too small: cut between keys, never inside a name */
    char small[16];
    assert_int_equal(keymap_keys(&km, ACT_PAGE_DOWN, small, sizeof small), 2);
    assert_string_equal(small, "Space, PageDown");
    keymap_free(&km);
}

static void vi_and_emacs_inherit(void **state)
{
    (void)state;
    struct keymap vi, em;
    load(&vi, "vi");
    load(&em, "emacs");
    assert_string_equal(vi.name, "vi");
    assert_string_equal(em.name, "emacs");
    /* vi: its own keys, and the default's where it says nothing */
    assert_int_equal(keymap_action(&vi, 'e' & 0x1f), ACT_DOWN);
    assert_int_equal(keymap_action(&vi, 'j'), ACT_DOWN);
    assert_int_equal(keymap_action(&vi, 'q'), ACT_QUIT);
    assert_int_equal(keymap_action(&vi, '/'), ACT_SEARCH);
    /* emacs: C-n down and q still quits */
    assert_int_equal(keymap_action(&em, 'n' & 0x1f), ACT_DOWN);
    assert_int_equal(keymap_action(&em, 'p' & 0x1f), ACT_UP);
    assert_int_equal(keymap_action(&em, 'q'), ACT_QUIT);
    assert_int_equal(keymap_action(&em, KEYMAP_META | 'v'), ACT_PAGE_UP);
    assert_int_equal(keymap_action(&em, KEYMAP_META | '<'), ACT_TOP);
    assert_int_equal(keymap_action(&em, 's' & 0x1f), ACT_SEARCH);
    /* overridden: C-f and C-b were pages in default, they move between panes in emacs */
    assert_int_equal(keymap_action(&em, 'f' & 0x1f), ACT_RIGHT);
    assert_int_equal(keymap_action(&em, 'b' & 0x1f), ACT_LEFT);
    char keys[128];
    keymap_keys(&em, ACT_PAGE_DOWN, keys, sizeof keys);
    assert_null(strstr(keys, "C-f"));
    assert_non_null(strstr(keys, "C-v"));
    keymap_free(&vi);
    keymap_free(&em);
}

/* A key taken by another action leaves its old one; a listed action keeps only what it lists;
 * [] leaves an action without keys. */
static void override_rules(void **state)
{
    (void)state;
    static const char yaml[] = "keymap: mine\n"
                               "inherit: default\n"
                               "keys:\n"
                               "  help: q\n"
                               "  down: [C-n]\n"
                               "  walkthrough: []\n";
    struct keymap km;
    assert_true(keymap_load_string(&km, "mine.yaml", yaml, strlen(yaml), errbuf,
                                   sizeof errbuf));
    assert_string_equal(km.name, "mine");
    assert_int_equal(keymap_action(&km, 'q'), ACT_HELP);
    assert_int_equal(keymap_action(&km, '?'), ACT_NONE);  /* help got exactly [q] */
    char keys[64];
    assert_int_equal(keymap_keys(&km, ACT_QUIT, keys, sizeof keys), 0);
    assert_int_equal(keymap_action(&km, 'n' & 0x1f), ACT_DOWN);
    assert_int_equal(keymap_action(&km, 'j'), ACT_NONE);
    assert_int_equal(keymap_action(&km, 'w'), ACT_NONE);
    assert_int_equal(keymap_action(&km, 'k'), ACT_UP);  /* untouched */
    keymap_free(&km);
}

static void key_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "j", "G", "?", "/", "[", "]", "1", "Space", "Enter", "Escape", "Tab", "BackTab",
        "Backspace", "Up", "Down", "Left", "Right", "PageUp", "PageDown", "Home", "End",
        "Insert", "Delete", "F1", "F12", "C-a", "C-n", "C-@", "C-\\", "C-]", "C-^", "C-_",
        "M-v", "M-<", "M-Enter", "M-C-x",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int key;
        char buf[32];
        if (!keymap_key_from_name(names[i], &key))
            fail_msg("'%s' not taken as a key name", names[i]);
        assert_string_equal(keymap_key_name(key, buf, sizeof buf), names[i]);
    }
    int key;
    assert_true(keymap_key_from_name("Esc", &key));
    assert_int_equal(key, 27);
    assert_true(keymap_key_from_name("C-N", &key));
    assert_int_equal(key, 14);
    assert_true(keymap_key_from_name("F1", &key));
    assert_int_equal(key, KEY_F(1));
    assert_true(keymap_key_from_name("M-v", &key));
    assert_int_equal(key, KEYMAP_META | 'v');
    static const char *const bad[] = { "Foo", "", "F0", "F13", "C-1", "C-", "M-", "M-M-x",
                                       "\xc3\xa9", "jj" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (keymap_key_from_name(bad[i], &key))
            fail_msg("'%s' taken as a key name", bad[i]);
}

static void unknown_action(void **state)
{
    (void)state;
    const char *e = refused("keymap: t\nkeys:\n  down: j\n  dwon: x\n");
    assert_prefix(e, "t.yaml:4:3: unknown action 'dwon'");
    assert_non_null(strstr(e, "down")); /* a valid name offered */
}

static void unknown_key_name(void **state)
{
    (void)state;
    const char *e = refused("keymap: t\nkeys:\n  down: [j, Foo]\n");
    assert_prefix(e, "t.yaml:3:13: unknown key name 'Foo'");
}

static void duplicate_key_in_one_file(void **state)
{
    (void)state;
    const char *e = refused("keymap: t\nkeys:\n  down: j\n  up: [k, j]\n");
    assert_prefix(e, "t.yaml:4:11: key 'j' is already bound to 'down'");
    /* the same key by two names: C-m is Enter */
    e = refused("keys:\n  open: Enter\n  down: C-m\n");
    assert_prefix(e, "t.yaml:3:9: key 'Enter' is already bound to 'open'");
}

static void wrong_node_types(void **state)
{
    (void)state;
    assert_prefix(refused("keys: [down, j]\n"), "t.yaml:1:7: 'keys' must be a map");
    assert_prefix(refused("keys:\n  down: {j: 1}\n"), "t.yaml:2:9: 'down' needs a key");
    assert_prefix(refused("keys:\n  down:\n"), "t.yaml:2:8: 'down' needs a key");
    assert_prefix(refused("keys:\n  down: [[j]]\n"), "t.yaml:2:10: 'down': a key must be");
    assert_prefix(refused("- j\n"), "t.yaml:1:1: a keymap must be a map");
    assert_prefix(refused("keymap: t\nbinds: {}\n"), "t.yaml:2:1: unknown key 'binds'");
    assert_prefix(refused("keys:\n  down: j\n  down: k\n"),
                  "t.yaml:3:3: action 'down' is given twice");
    assert_prefix(refused(""), "t.yaml:1:1: the file is empty");
}

static void yaml_syntax_error(void **state)
{
    (void)state;
    const char *e = refused("keymap: t\nkeys:\n  down: [j, k\n  up: u\n");
    assert_prefix(e, "t.yaml:4:5: ");
    e = refused("keymap: t\n---\nkeymap: u\n");
    assert_prefix(e, "t.yaml:3:1: a second YAML document");
}

static void missing_name(void **state)
{
    (void)state;
    struct keymap km;
    assert_false(keymap_load(&km, "no-such-keymap", errbuf, sizeof errbuf));
    assert_prefix(errbuf, "no keymap named 'no-such-keymap' (looked in ");
    assert_non_null(strstr(errbuf, "emacs"));  /* the built-in ones are listed */
    assert_false(keymap_load(&km, "/nonexistent/k.yaml", errbuf, sizeof errbuf));
    assert_prefix(errbuf, "/nonexistent/k.yaml: cannot open: ");
    /* from a file, placed at the 'inherit' */
    const char *e = refused("keymap: t\ninherit: nope\n");
    assert_prefix(e, "t.yaml:2:10: inherit: no keymap named 'nope'");
    keymap_free(&km);
}

static void user_keymap_by_name(void **state)
{
    (void)state;
    put("scepscope/keymaps/mine.yaml", "inherit: emacs\nkeys:\n  quit: [C-c]\n");
    struct keymap km;
    load(&km, "mine");
    assert_string_equal(km.name, "mine"); /* no 'keymap:': named after its file */
    assert_int_equal(keymap_action(&km, 'c' & 0x1f), ACT_QUIT);
    assert_int_equal(keymap_action(&km, 'n' & 0x1f), ACT_DOWN);
    assert_int_equal(keymap_action(&km, 'q'), ACT_NONE);
    keymap_free(&km);
    /* a user file of a built-in's name comes first */
    put("scepscope/keymaps/vi.yaml", "keymap: my-vi\nkeys:\n  quit: x\n");
    load(&km, "vi");
    assert_string_equal(km.name, "my-vi");
    assert_int_equal(keymap_action(&km, 'j'), ACT_NONE);
    keymap_free(&km);
}

static void inherit_loop(void **state)
{
    (void)state;
    put("scepscope/keymaps/a.yaml", "keymap: a\ninherit: b\n");
    put("scepscope/keymaps/b.yaml", "keymap: b\ninherit: a\n");
    struct keymap km;
    assert_false(keymap_load(&km, "a", errbuf, sizeof errbuf));
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/scepscope/keymaps/b.yaml:2:10: inherit loop: a -> b -> a",
             xdg);
    assert_prefix(errbuf, prefix);
    assert_null(km.bind);
    /* itself */
    put("scepscope/keymaps/c.yaml", "keymap: c\ninherit: c\n");
    assert_false(keymap_load(&km, "c", errbuf, sizeof errbuf));
    snprintf(prefix, sizeof prefix, "%s/scepscope/keymaps/c.yaml:2:10: inherit loop: c -> c",
             xdg);
    assert_prefix(errbuf, prefix);
}

static void inherit_depth_limit(void **state)
{
    (void)state;
    /* d0 inherits d1 ... d8 inherits default: 9 levels, one too many */
    for (int i = 0; i <= 8; i++) {
        char rel[64], text[64];
        snprintf(rel, sizeof rel, "scepscope/keymaps/d%d.yaml", i);
        if (i < 8)
            snprintf(text, sizeof text, "inherit: d%d\n", i + 1);
        else
            snprintf(text, sizeof text, "inherit: default\n");
        put(rel, text);
    }
    struct keymap km;
    assert_false(keymap_load(&km, "d0", errbuf, sizeof errbuf));
    assert_non_null(strstr(errbuf, "d8.yaml:1:10: more than 8 levels of 'inherit'"));
    load(&km, "d1"); /* 8 levels: fine */
    assert_int_equal(keymap_action(&km, 'j'), ACT_DOWN);
    keymap_free(&km);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_xdg, remove_xdg)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(default_binds_less_keys),
        T(default_reaches_every_action),
        T(keys_for_help),
        T(vi_and_emacs_inherit),
        T(override_rules),
        T(key_names_round_trip),
        T(unknown_action),
        T(unknown_key_name),
        T(duplicate_key_in_one_file),
        T(wrong_node_types),
        T(yaml_syntax_error),
        T(missing_name),
        T(user_keymap_by_name),
        T(inherit_loop),
        T(inherit_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
