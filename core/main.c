/* main.c - the command line: read the options, load the case, print what was asked.
 * Only this file prints errors; everything below it returns them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "report.h"

#define SCEPSCOPE_VERSION "0.1.0"

enum mode {
    MODE_TIMELINE,
    MODE_SOURCES,
};

static void usage(FILE *f)
{
    fputs("usage: scepscope [OPTIONS] PATH...\n"
          "\n"
          "Reads the logs of a SCEP/NDES enrollment case (files, or folders walked recursively)\n"
          "and prints one merged timeline of every line of every log, in UTC.\n"
          "\n"
          "  --timeline          print the merged timeline (the default): time, file, line,\n"
          "                      format, level, message, tab-separated\n"
          "  --sources           list each file: format, role, encoding, line accounting,\n"
          "                      first and last time, and what was skipped and why\n"
          "  --json              JSON Lines instead of text\n"
          "  --tz GLOB=OFFSET    the times of files matching GLOB (path or file name) are local\n"
          "                      time at OFFSET east of UTC, e.g. --tz 'CRP.log=+10:00';\n"
          "                      repeatable, the last matching one wins, overrides the log\n"
          "  --color[=WHEN]      colour the level: auto (default, when writing to a terminal),\n"
          "                      always, never (NO_COLOR in the environment means never)\n"
          "  -h, --help          this help\n"
          "  -V, --version       the version\n"
          "\n"
          "Exit status: 0 success, 2 usage error or no file could be read.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "timeline", no_argument, NULL, 't' },
        { "sources", no_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "tz", required_argument, NULL, 'z' },
        { "color", optional_argument, NULL, 'c' },
        { "colour", optional_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct bundle b = { 0 };
    enum mode mode = MODE_TIMELINE;
    enum out_format fmt = OUT_TEXT;
    int color = -1; /* -1: auto */
    char err[512];
    int c;

    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 't': mode = MODE_TIMELINE; break;
        case 's': mode = MODE_SOURCES; break;
        case 'j': fmt = OUT_JSON; break;
        case 'z':
            if (!bundle_add_tz(&b, optarg, err, sizeof err)) {
                fprintf(stderr, "scepscope: %s\n", err);
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
                fprintf(stderr, "scepscope: --color=%s: expected auto, always or never\n", optarg);
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

    for (int i = optind; i < argc; i++) {
        if (!bundle_add_path(&b, argv[i]) ) {
            fputs("scepscope: out of memory\n", stderr);
            bundle_free(&b);
            return 2;
        }
    }
    if (!bundle_load(&b)) {
        fputs("scepscope: out of memory while reading the logs\n", stderr);
        bundle_free(&b);
        return 2;
    }

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    int status = 0;
    if (mode == MODE_SOURCES) {
        report_sources(stdout, &b, fmt);
    } else {
        report_notes(stderr, &b);
        report_timeline(stdout, &b, fmt, color == 1 && fmt == OUT_TEXT);
    }
    if (bundle_readable(&b) == 0) {
        /* in timeline mode the notes above already named the file and the reason */
        if (b.nsrc > 1)
            fprintf(stderr, "scepscope: none of the %zu files could be read as a log\n", b.nsrc);
        else if (mode == MODE_SOURCES)
            fprintf(stderr, "scepscope: %s: %s\n", b.src[0]->path, b.src[0]->notes[0]);
        status = 2;
    }
    if (fflush(stdout) != 0)
        status = status ? status : 2;
    bundle_free(&b);
    return status;
}
