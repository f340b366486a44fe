/* main.c - the command line: read the options, load the case, print what was asked.
 * Only this file prints errors; everything below it returns them. */
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigmem.h"
#include "builtin.h"
#include "bundle.h"
#include "diagnose.h"
#include "escape.h"
#include "playbook.h"
#include "textwin.h"
#include "trace.h"
#include "report.h"
#include "ui.h"

#define SCEPSCOPE_VERSION "0.1.0"

#define BUILTIN_PLAYBOOK "playbooks/sccm-hybrid.yaml"
#define MAX_PLAYBOOKS 16

enum run_mode {
    RUN_TUI,
    RUN_TIMELINE,
    RUN_SOURCES,
    RUN_REPORT,
};

static void usage(FILE *f)
{
    fputs("usage: scepscope [OPTIONS] PATH...\n"
          "\n"
          "Reads the logs of a SCEP/NDES enrollment case (files, or folders walked recursively),\n"
          "finds the enrollment attempts in them and which of the six steps failed, and why.\n"
          "Without --report, --timeline or --sources it opens the interface (? there for keys).\n"
          "\n"
          "  --report            for each attempt: each step's verdict with its evidence\n"
          "                      lines, and the diagnosis of the first failing step\n"
          "  --timeline          print the merged timeline: time, file, line,\n"
          "                      format, level, step, attempt, message, tab-separated\n"
          "  --sources           list each file: format, role, encoding, line accounting,\n"
          "                      first and last time, and what was skipped and why\n"
          "  --json              JSON instead of text (JSON Lines for --timeline, --sources)\n"
          "  --device GUID       only the attempts of this device (a prefix is enough)\n"
          "  --user GUID         only the attempts of this user (a prefix is enough)\n"
          "  --playbook FILE     add your own signatures (a file without 'playbook:'), or\n"
          "                      use your own playbook instead of the built-in one\n"
          "  --tz GLOB=OFFSET    the times of files matching GLOB (path or file name) are local\n"
          "                      time at OFFSET east of UTC, e.g. --tz 'CRP.log=+10:00';\n"
          "                      repeatable, the last matching one wins, overrides the log\n"
          "  --date GLOB=DAY     the date (YYYY-MM-DD) of the first line of the files matching\n"
          "                      GLOB whose lines carry none (an Apple Console copy) or no\n"
          "                      year (the iOS syslog); else the case's other logs tell it\n"
          "  --scep-port N[,N]   the TCP ports of NDES / the WAP in network captures\n"
          "                      (default 443 and 80)\n"
          "  --color[=WHEN]      colour the level: auto (default, when writing to a terminal),\n"
          "                      always, never (NO_COLOR in the environment means never)\n"
          "  --walkthrough       open the interface in the walkthrough, one step at a time\n"
          "  --theme NAME|FILE   colours: default, basic (8 colours), light, mono, or a file\n"
          "                      (NO_COLOR in the environment means mono)\n"
          "  --keymap NAME|FILE  keys: default, vi, emacs, or a file\n"
          "  --ascii             draw lines with ASCII characters only\n"
          "  -h, --help          this help\n"
          "  -V, --version       the version\n"
          "\n"
          "Exit status: 0 success (with --report: no step failed), 1 a step failed (--report),\n"
          "2 usage error, a broken playbook, or no file could be read.\n",
          f);
}

/* One line on standard error, "scepscope: " and the message. File names and arguments
 * quoted in it may hold anything: escaped like log text. */
__attribute__((format(printf, 1, 2)))
static void complain(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("scepscope: ", stderr);
    esc_text(stderr, span_cstr(msg));
    fputc('\n', stderr);
}

/* The patterns that gave up on a line (a PCRE2 limit): once per pattern, with the first
 * line. Those lines were taken as not matching the rule. */
static void complain_gave_up(const struct playbook *pb)
{
    struct pb_gave_up g[32];
    size_t n = playbook_gave_up(pb, g, sizeof g / sizeof g[0]);
    for (size_t i = 0; i < n; i++) {
        char more[64] = "";
        if (g[i].lines > 1)
            snprintf(more, sizeof more, " and %llu more lines",
                     (unsigned long long)(g[i].lines - 1));
        complain("%s '%s' (%s:%d): the pattern for %s took too long on %s:%u%s (%s): taken as "
                 "no match",
                 g[i].rule, g[i].id, g[i].file, g[i].defline, g[i].field ? g[i].field : "message",
                 g[i].path, (unsigned)g[i].line, more, g[i].why);
    }
}

/* Keymap and theme are read before the terminal is taken over, so that a broken file is
 * reported plainly. */
static int run_tui(struct bundle *b, struct diagnosis *d, const struct playbook *pb,
                   struct tui_options *o, const char *first_path, const char *device,
                   const char *user)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("scepscope: the interface needs a terminal; use --report or --timeline to print\n",
              stderr);
        return 2;
    }
    char err[512];
    struct keymap km = { 0 };
    struct theme th = { 0 };
    if (!keymap_load(&km, o->keymap ? o->keymap : "default", err, sizeof err)) {
        complain("%s", err);
        return 2;
    }
    /* without --theme, the interface picks one once curses knows the terminal's colours */
    if (o->theme && !theme_load(&th, o->theme, err, sizeof err)) {
        complain("%s", err);
        keymap_free(&km);
        return 2;
    }
    setlocale(LC_ALL, "");
    o->case_name = first_path;
    o->device = device;
    o->user = user;
    int st = tui_run(b, d, pb, &km, o->theme ? &th : NULL, o);
    theme_free(&th);
    keymap_free(&km);
    return st;
}

/* A size in bytes from the environment variable `name`, when it is set to a number. */
static bool env_size(const char *name, size_t *out)
{
    const char *v = getenv(name);
    if (!v || *v < '0' || *v > '9')
        return false;
    *out = (size_t)strtoull(v, NULL, 10);
    return true;
}

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* Arrays of a megabyte or more are mapped on their own and go back to the system when
     * freed: a phase's scratch space (clock estimates, sorting, the merge) does not stay
     * counted against the case after the phase. glibc would otherwise raise this limit as
     * such arrays are freed, and keep them. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    /* the size from which the arrays that grow with the input are mapped on their own
     * (core/bigmem; 256 KB): the tests set it low to run small cases through that path too */
    size_t bytes;
    if (env_size("SCEPSCOPE_BIGMEM", &bytes))
        big_threshold(bytes);
    /* the window large logs are read through (core/textwin; 256 KB, from 1 MB files on): the
     * tests set it small to read every case through it, across many window ends */
    if (env_size("SCEPSCOPE_TEXTWIN", &bytes))
        textwin_size(bytes);
    trace_start();
    static const struct option longopts[] = {
        { "timeline", no_argument, NULL, 't' },
        { "sources", no_argument, NULL, 's' },
        { "report", no_argument, NULL, 'r' },
        { "device", required_argument, NULL, 'D' },
        { "user", required_argument, NULL, 'U' },
        { "playbook", required_argument, NULL, 'P' },
        { "walkthrough", no_argument, NULL, 'W' },
        { "theme", required_argument, NULL, 'T' },
        { "keymap", required_argument, NULL, 'K' },
        { "ascii", no_argument, NULL, 'A' },
        { "json", no_argument, NULL, 'j' },
        { "tz", required_argument, NULL, 'z' },
        { "date", required_argument, NULL, 'd' },
        { "scep-port", required_argument, NULL, 'S' },
        { "color", optional_argument, NULL, 'c' },
        { "colour", optional_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct bundle b = { 0 };
    enum run_mode mode = RUN_TUI;
    enum out_format fmt = OUT_TEXT;
    int color = -1; /* -1: auto */
    const char *device = NULL, *user = NULL;
    struct tui_options topt = { 0 };
    const char *playbooks[MAX_PLAYBOOKS];
    size_t nplaybooks = 0;
    char err[512];
    int c;

    opterr = 0; /* getopt would quote the argument raw: complain() escapes it */
    while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        switch (c) {
        case 't': mode = RUN_TIMELINE; break;
        case 's': mode = RUN_SOURCES; break;
        case 'r': mode = RUN_REPORT; break;
        case 'D': device = optarg; break;
        case 'W': topt.walkthrough = true; mode = RUN_TUI; break;
        case 'T': topt.theme = optarg; break;
        case 'K': topt.keymap = optarg; break;
        case 'A': topt.ascii = true; break;
        case 'U': user = optarg; break;
        case 'P':
            if (nplaybooks == MAX_PLAYBOOKS) {
                fprintf(stderr, "scepscope: more than %d --playbook files\n", MAX_PLAYBOOKS);
                bundle_free(&b);
                return 2;
            }
            playbooks[nplaybooks++] = optarg;
            break;
        case 'j': fmt = OUT_JSON; break;
        case 'z':
            if (!bundle_add_tz(&b, optarg, err, sizeof err)) {
                complain("%s", err);
                bundle_free(&b);
                return 2;
            }
            break;
        case 'd':
            if (!bundle_add_date(&b, optarg, err, sizeof err)) {
                complain("%s", err);
                bundle_free(&b);
                return 2;
            }
            break;
        case 'S':
            if (!bundle_add_scep_ports(&b, optarg, err, sizeof err)) {
                complain("%s", err);
                bundle_free(&b);
                return 2;
            }
            break;
        case 'c':
            if (!optarg || strcmp(optarg, "always") == 0)
                color = 1;
            else if (strcmp(optarg, "never") == 0)
                color = 0;
            else if (strcmp(optarg, "auto") == 0)
                color = -1;
            else {
                complain("--color=%s: expected auto, always or never", optarg);
                bundle_free(&b);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            bundle_free(&b);
            return 0;
        case 'V':
            puts("scepscope " SCEPSCOPE_VERSION);
            bundle_free(&b);
            return 0;
        default:
            if (c == ':')
                complain("option '%s' requires an argument", argv[optind - 1]);
            else if (optopt)
                complain("unknown option '-%c'", optopt);
            else
                complain("unknown or ambiguous option '%s'", argv[optind - 1]);
            usage(stderr);
            bundle_free(&b);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs("scepscope: no PATH given: name the log files or the case folder\n", stderr);
        usage(stderr);
        bundle_free(&b);
        return 2;
    }
    if (color < 0) {
        const char *nc = getenv("NO_COLOR");
        color = isatty(STDOUT_FILENO) && !(nc && *nc);
    }

    struct playbook pb = { 0 };
    const struct builtin_file *bf = builtin_find(BUILTIN_PLAYBOOK);
    bool pb_ok = bf && playbook_load_string(&pb, BUILTIN_PLAYBOOK, bf->data, bf->len, err,
                                            sizeof err);
    for (size_t i = 0; pb_ok && i < nplaybooks; i++)
        pb_ok = playbook_load(&pb, playbooks[i], err, sizeof err);
    if (!pb_ok) {
        complain("%s", bf ? err : "the built-in playbook is missing");
        playbook_free(&pb);
        bundle_free(&b);
        return 2;
    }

    for (int i = optind; i < argc; i++) {
        if (!bundle_add_path(&b, argv[i]) ) {
            fputs("scepscope: out of memory\n", stderr);
            playbook_free(&pb);
            bundle_free(&b);
            return 2;
        }
    }
    struct diagnosis d = { 0 };
    if (mode == RUN_TUI) {
        int st = run_tui(&b, &d, &pb, &topt, argv[optind], device, user);
        diagnose_free(&d);
        playbook_free(&pb);
        bundle_free(&b);
        return st;
    }
    bool loaded = (mode == RUN_SOURCES || diagnose_prepare(&b, &pb)) && bundle_load(&b);
    if (loaded && mode != RUN_SOURCES)
        loaded = diagnose_run(&d, &b, &pb);
    if (!loaded) {
        fputs("scepscope: out of memory while reading the logs\n", stderr);
        diagnose_free(&d);
        playbook_free(&pb);
        bundle_free(&b);
        return 2;
    }
    if (mode != RUN_SOURCES && (device || user))
        diagnose_select(&d, device, user);
    if (mode != RUN_SOURCES)
        complain_gave_up(&pb);

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    int status = 0;
    if (mode == RUN_SOURCES) {
        report_sources(stdout, &b, fmt);
    } else if (mode == RUN_REPORT) {
        report_notes(stderr, &b);
        report_diagnosis(stdout, &d, fmt);
        for (size_t i = 0; i < d.natt; i++)
            if (d.att[i].selected && d.att[i].failed_step)
                status = 1;
    } else {
        report_notes(stderr, &b);
        report_timeline(stdout, &b, &d, fmt, color == 1 && fmt == OUT_TEXT);
    }
    if (bundle_readable(&b) == 0) {
        /* in timeline mode the notes above already named the file and the reason */
        if (b.nsrc > 1)
            fprintf(stderr, "scepscope: none of the %zu files could be read as a log\n", b.nsrc);
        else if (mode == RUN_SOURCES)
            complain("%s: %s", b.src[0]->path, b.src[0]->notes[0]);
        status = 2;
    }
    if (fflush(stdout) != 0)
        status = 2;
    trace_mark("written", 0);
    diagnose_free(&d);
    playbook_free(&pb);
    bundle_free(&b);
    return status;
}
