/* actions.h - every thing a user can do in the interface, as one list: it makes the enum, the
 * names keymaps use, and the help screen's words. No view tests for a literal key. */
#ifndef SCEPSCOPE_ACTIONS_H
#define SCEPSCOPE_ACTIONS_H

#define ACTION_LIST(X)                                                                        \
    X(ACT_NONE, "none", "do nothing")                                                         \
    X(ACT_QUIT, "quit", "quit (in a view over the main screen: go back)")                     \
    X(ACT_BACK, "back", "go back: close the view, the prompt or the walkthrough")             \
    X(ACT_DOWN, "down", "next line")                                                          \
    X(ACT_UP, "up", "previous line")                                                          \
    X(ACT_PAGE_DOWN, "page-down", "next page")                                                \
    X(ACT_PAGE_UP, "page-up", "previous page")                                                \
    X(ACT_TOP, "top", "first line")                                                           \
    X(ACT_BOTTOM, "bottom", "last line")                                                      \
    X(ACT_LEFT, "left", "previous step pane")                                                 \
    X(ACT_RIGHT, "right", "next step pane")                                                   \
    X(ACT_FOCUS, "focus", "move between the step panes and the timeline")                     \
    X(ACT_OPEN, "open", "open the raw log at the line under the cursor")                      \
    X(ACT_STEP_1, "step-1", "select step 1: client syncs with Intune")                        \
    X(ACT_STEP_2, "step-2", "select step 2: client to NDES")                                  \
    X(ACT_STEP_3, "step-3", "select step 3: NDES asks the CRP")                               \
    X(ACT_STEP_4, "step-4", "select step 4: the CRP verifies")                                \
    X(ACT_STEP_5, "step-5", "select step 5: the CA issues")                                   \
    X(ACT_STEP_6, "step-6", "select step 6: the certificate reaches the device")              \
    X(ACT_NEXT_EVIDENCE, "next-evidence", "next evidence line of the selected step")          \
    X(ACT_PREV_EVIDENCE, "prev-evidence", "previous evidence line of the selected step")      \
    X(ACT_NEXT_ATTEMPT, "next-attempt", "next enrollment attempt")                            \
    X(ACT_PREV_ATTEMPT, "prev-attempt", "previous enrollment attempt")                        \
    X(ACT_SEARCH, "search", "search with a regular expression (PCRE2)")                       \
    X(ACT_SEARCH_NEXT, "search-next", "next match")                                           \
    X(ACT_SEARCH_PREV, "search-prev", "previous match")                                       \
    X(ACT_FILTER, "filter", "show only one device's or user's attempts (GUID)")               \
    X(ACT_CLEAR_FILTER, "clear-filter", "clear the GUID filter")                              \
    X(ACT_GOTO_TIME, "goto-time", "jump to a time (HH:MM:SS)")                                \
    X(ACT_WALKTHROUGH, "walkthrough", "walk through the steps one at a time, for a call")     \
    X(ACT_HELP, "help", "this help")                                                          \
    X(ACT_REDRAW, "redraw", "redraw the screen")

#define ACTION_ENUM(e, name, help) e,
enum action { ACTION_LIST(ACTION_ENUM) ACTION_COUNT };
#undef ACTION_ENUM

const char *action_name(enum action a);
const char *action_help(enum action a);
/* false when no action has this name */
int action_from_name(const char *name, enum action *out);

#endif
