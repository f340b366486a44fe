/* test_theme.c - themes: the built-in ones load and cover every style, mono has no colour and
 * basic only the 8 ANSI ones, mistakes are placed at FILE:LINE:COLUMN, user themes by name. */
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "theme.h"

static char errbuf[1024];

/* Every test runs with an empty $XDG_CONFIG_HOME of its own, so that the user's own themes
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
    strcpy(xdg, "/tmp/scepscope-theme-XXXXXX");
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

static void load(struct theme *t, const char *name)
{
    if (!theme_load(t, name, errbuf, sizeof errbuf))
        fail_msg("%s: %s", name, errbuf);
}

static const char *refused(const char *yaml)
{
    struct theme t;
    assert_false(theme_load_string(&t, "t.yaml", yaml, strlen(yaml), errbuf, sizeof errbuf));
    assert_null(t.name);
    return errbuf;
}

static void assert_prefix(const char *msg, const char *prefix)
{
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("expected '%s...', got '%s'", prefix, msg);
}

static void builtins_load(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int colors;
    } want[] = { { "default", 256 }, { "basic", 8 }, { "light", 256 }, { "mono", 0 } };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        struct theme t;
        load(&t, want[i].name);
        assert_string_equal(t.name, want[i].name);
        assert_int_equal(t.colors, want[i].colors);
        theme_free(&t);
    }
}

/* The views draw every style: a built-in theme that forgot one would draw it as plain text. */
static void builtins_set_every_style(void **state)
{
    (void)state;
    static const char *const names[] = { "default", "basic", "mono", "light" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct theme t;
        load(&t, names[i]);
        for (int s = 0; s < STYLE_COUNT; s++)
            if (!t.style[s].set)
                fail_msg("theme %s leaves style '%s' unset", names[i],
                         style_name((enum style)s));
        theme_free(&t);
    }
}

static void mono_has_no_colour(void **state)
{
    (void)state;
    struct theme t;
    load(&t, "mono");
    for (int s = 0; s < STYLE_COUNT; s++) {
        assert_int_equal(t.style[s].fg, -1);
        assert_int_equal(t.style[s].bg, -1);
    }
    /* and still tells the states apart */
    assert_int_equal(t.style[STYLE_PANE_FAIL].attrs, THEME_REVERSE | THEME_BOLD);
    assert_int_equal(t.style[STYLE_PANE_PASS].attrs, THEME_BOLD);
    assert_int_equal(t.style[STYLE_PANE_WARN].attrs, THEME_UNDERLINE | THEME_BOLD);
    assert_int_equal(t.style[STYLE_PANE_NONE].attrs, THEME_DIM);
    assert_int_equal(t.style[STYLE_CURSOR].attrs, THEME_REVERSE);
    assert_int_equal(t.style[STYLE_MATCH].attrs, THEME_UNDERLINE | THEME_BOLD);
    theme_free(&t);
}

static void basic_uses_ansi_colours_only(void **state)
{
    (void)state;
    struct theme t;
    load(&t, "basic");
    for (int s = 0; s < STYLE_COUNT; s++) {
        assert_in_range(t.style[s].fg + 1, 0, 8);
        assert_in_range(t.style[s].bg + 1, 0, 8);
    }
    assert_int_equal(t.style[STYLE_PANE_FAIL].bg, 1); /* red */
    assert_int_equal(t.style[STYLE_PANE_PASS].bg, 2); /* green */
    theme_free(&t);
}

static void default_reads_colours(void **state)
{
    (void)state;
    struct theme t;
    static const char yaml[] = "theme: x\n"
                               "colors: 256\n"
                               "styles:\n"
                               "  pane.fail: { fg: white, bg: red, attrs: [bold] }\n"
                               "  level.error: { fg: 196, attrs: bold }\n"
                               "  cursor: { attrs: [reverse, underline] }\n"
                               "  match: { fg: bright-yellow, bg: default }\n";
    assert_true(theme_load_string(&t, "x.yaml", yaml, strlen(yaml), errbuf, sizeof errbuf));
    assert_int_equal(t.style[STYLE_PANE_FAIL].fg, 7);
    assert_int_equal(t.style[STYLE_PANE_FAIL].bg, 1);
    assert_int_equal(t.style[STYLE_PANE_FAIL].attrs, THEME_BOLD);
    assert_int_equal(t.style[STYLE_LEVEL_ERROR].fg, 196);
    assert_int_equal(t.style[STYLE_LEVEL_ERROR].bg, -1);
    assert_int_equal(t.style[STYLE_CURSOR].attrs, THEME_REVERSE | THEME_UNDERLINE);
    assert_int_equal(t.style[STYLE_MATCH].fg, 11);
    assert_int_equal(t.style[STYLE_MATCH].bg, -1);
    assert_false(t.style[STYLE_TITLE].set);
    theme_free(&t);
}

static void colour_beyond_colors_refused(void **state)
{
    (void)state;
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  level.error: { fg: 196 }\n"),
                  "t.yaml:4:22: 'level.error': fg: colour 196 needs 'colors: 256'");
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  match: { bg: bright-red }\n"),
                  "t.yaml:4:16: 'match': bg: colour bright-red needs 'colors: 16'");
    assert_prefix(refused("theme: x\ncolors: 0\nstyles:\n  match: { fg: red }\n"),
                  "t.yaml:4:16: 'match': fg: colour red needs 'colors: 8'");
    assert_prefix(refused("theme: x\ncolors: 256\nstyles:\n  match: { fg: 256 }\n"),
                  "t.yaml:4:16: 'match': fg: '256' is not a colour");
    /* lowering 'colors' under an inherited style that needs more */
    assert_prefix(refused("theme: x\ninherit: default\ncolors: 8\n"),
                  "t.yaml:3:9: 'colors: 8' is too few for the inherited style");
}

static void unknown_names_refused(void **state)
{
    (void)state;
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  pane.fial: { fg: red }\n"),
                  "t.yaml:4:3: unknown style 'pane.fial'");
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  cursor: { attrs: [bold, blik] }\n"),
                  "t.yaml:4:27: 'cursor': attrs: unknown attribute 'blik'");
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  cursor: { fg: purple }\n"),
                  "t.yaml:4:17: 'cursor': fg: 'purple' is not a colour");
    assert_prefix(refused("theme: x\ncolors: 8\nstyles:\n  cursor: { colour: red }\n"),
                  "t.yaml:4:13: unknown key 'colour' in style 'cursor'");
    assert_prefix(refused("theme: x\ncolours: 8\n"), "t.yaml:2:1: unknown key 'colours'");
    assert_prefix(refused("theme: x\ncolors: 12\n"), "t.yaml:2:9: 'colors' must be 256, 16");
    assert_prefix(refused("theme: x\nstyles: {}\n"), "t.yaml:1:1: a theme needs 'colors'");
    assert_prefix(refused("colors: 8\nstyles: [cursor]\n"), "t.yaml:2:9: 'styles' must be a map");
    assert_prefix(refused("colors: 8\nstyles:\n  cursor: reverse\n"),
                  "t.yaml:3:11: style 'cursor' must be a map");
    assert_prefix(refused("colors: 8\nstyles:\n  cursor: {}\n  cursor: {}\n"),
                  "t.yaml:4:3: style 'cursor' is given twice");
    assert_prefix(refused("colors: 8\nstyles: {cursor: {attrs: [bold}\n"), "t.yaml:2:");
}

static void pick_default(void **state)
{
    (void)state;
    assert_string_equal(theme_pick_default(8, false), "basic");
    assert_string_equal(theme_pick_default(16, false), "basic");
    assert_string_equal(theme_pick_default(256, false), "default");
    assert_string_equal(theme_pick_default(256, true), "mono");
    assert_string_equal(theme_pick_default(0, false), "mono");
    assert_string_equal(theme_pick_default(2, false), "mono");
}

static void user_theme_by_name(void **state)
{
    (void)state;
    put("scepscope/themes/mine.yaml", "inherit: basic\n"
                                      "styles:\n"
                                      "  cursor: { fg: black, bg: cyan }\n");
    struct theme t;
    load(&t, "mine");
    assert_string_equal(t.name, "mine");
    assert_int_equal(t.colors, 8);                       /* from basic */
    assert_int_equal(t.style[STYLE_CURSOR].bg, 6);       /* its own */
    assert_int_equal(t.style[STYLE_CURSOR].attrs, 0);    /* replaced whole */
    assert_int_equal(t.style[STYLE_PANE_FAIL].bg, 1);    /* inherited */
    theme_free(&t);
    /* by path too, and the inherited theme's colour count limits the file's colours */
    put("scepscope/themes/wide.yaml", "inherit: mine\nstyles:\n  match: { bg: 226 }\n");
    char path[128];
    snprintf(path, sizeof path, "%s/scepscope/themes/wide.yaml", xdg);
    assert_false(theme_load(&t, path, errbuf, sizeof errbuf));
    char prefix[192];
    snprintf(prefix, sizeof prefix, "%s:3:16: 'match': bg: colour 226 needs", path);
    assert_prefix(errbuf, prefix);
    assert_false(theme_load(&t, "nothing-here", errbuf, sizeof errbuf));
    assert_prefix(errbuf, "no theme named 'nothing-here' (looked in ");
}

static void inherit_loop(void **state)
{
    (void)state;
    put("scepscope/themes/a.yaml", "inherit: b\n");
    put("scepscope/themes/b.yaml", "colors: 8\ninherit: a\n");
    struct theme t;
    assert_false(theme_load(&t, "a", errbuf, sizeof errbuf));
    char prefix[192];
    snprintf(prefix, sizeof prefix, "%s/scepscope/themes/b.yaml:2:10: inherit loop: a -> b -> a",
             xdg);
    assert_prefix(errbuf, prefix);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_xdg, remove_xdg)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(builtins_load),
        T(builtins_set_every_style),
        T(mono_has_no_colour),
        T(basic_uses_ansi_colours_only),
        T(default_reads_colours),
        T(colour_beyond_colors_refused),
        T(unknown_names_refused),
        T(pick_default),
        T(user_theme_by_name),
        T(inherit_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
