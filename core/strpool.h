/* strpool.h - a set of strings kept once each: the words of many attempts (why a step has
 * no verdict, the values taken from their lines) repeat, and are stored one time. */
#ifndef SCEPSCOPE_STRPOOL_H
#define SCEPSCOPE_STRPOOL_H

#include <stddef.h>

struct strpool {
    char **slot; /* open addressing; NULL: free */
    size_t cap, n;
};

/* The pool's copy of s (the same pointer for equal strings), or NULL when memory runs out.
 * It lives until strpool_free. */
const char *strpool_intern(struct strpool *p, const char *s);
void strpool_free(struct strpool *p);

#endif
