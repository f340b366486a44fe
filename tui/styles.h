/* styles.h - every named style the interface draws with, as one list: themes fill them in,
 * views ask for them by name. No colour is hard-wired in a view. */
#ifndef SCEPSCOPE_STYLES_H
#define SCEPSCOPE_STYLES_H

#define STYLE_LIST(X)                                                                         \
    X(STYLE_NORMAL, "normal", "ordinary text")                                                \
    X(STYLE_BORDER, "border", "lines between the parts of the screen")                        \
    X(STYLE_TITLE, "title", "titles of views and panels")                                     \
    X(STYLE_STATUS, "status", "the status line")                                              \
    X(STYLE_STATUS_ERROR, "status.error", "an error in the status line")                      \
    X(STYLE_PROMPT, "prompt", "the prompt line (search, filter, time)")                       \
    X(STYLE_PANE_PASS, "pane.pass", "a step that passed")                                     \
    X(STYLE_PANE_FAIL, "pane.fail", "a step that failed")                                     \
    X(STYLE_PANE_WARN, "pane.warn", "a step with a warning")                                  \
    X(STYLE_PANE_NONE, "pane.none", "a step without evidence")                                \
    X(STYLE_PANE_SELECTED, "pane.selected", "the frame of the selected step")                 \
    X(STYLE_TIME, "time", "the time column")                                                  \
    X(STYLE_BADGE, "badge", "the step badge of a timeline row")                               \
    X(STYLE_LEVEL_ERROR, "level.error", "error lines")                                        \
    X(STYLE_LEVEL_WARNING, "level.warning", "warning lines")                                  \
    X(STYLE_CURSOR, "cursor", "the line under the cursor")                                    \
    X(STYLE_MATCH, "match", "search matches")                                                 \
    X(STYLE_STEP_ROW, "step.row", "timeline rows of the selected step")                       \
    X(STYLE_EVIDENCE, "evidence", "the line that decided the selected step")                  \
    X(STYLE_RAW_LINE, "raw.line", "the line opened in the raw view")                          \
    X(STYLE_LINENO, "lineno", "line numbers in the raw view")                                 \
    X(STYLE_EXPLAIN, "explain", "the explain panel's text")                                   \
    X(STYLE_HELP_KEY, "help.key", "keys in the help")                                         \
    X(STYLE_PROGRESS, "progress", "the loading bar")                                          \
    X(STYLE_SOURCE_NDES_IIS, "source.ndes-iis", "rows from the NDES IIS log")                 \
    X(STYLE_SOURCE_CRP_IIS, "source.crp-iis", "rows from the CRP's IIS log")                  \
    X(STYLE_SOURCE_IIS, "source.iis", "rows from another IIS log")                            \
    X(STYLE_SOURCE_NDESPLUGIN, "source.ndesplugin", "rows from NDESPlugin.log")               \
    X(STYLE_SOURCE_CRP, "source.crp", "rows from CRP.log")                                    \
    X(STYLE_SOURCE_CONFIGMGR, "source.configmgr", "rows from another ConfigMgr log")          \
    X(STYLE_SOURCE_UNKNOWN, "source.unknown", "rows from another log")

#define STYLE_ENUM(e, name, help) e,
enum style { STYLE_LIST(STYLE_ENUM) STYLE_COUNT };
#undef STYLE_ENUM

const char *style_name(enum style s);
int style_from_name(const char *name, enum style *out);

#endif
