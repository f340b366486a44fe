/* strpool.c - see strpool.h. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strpool.h"

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static bool grow(struct strpool *p)
{
    size_t cap = p->cap ? p->cap * 2 : 64;
    char **slot = calloc(cap, sizeof *slot);
    if (!slot)
        return false;
    for (size_t i = 0; i < p->cap; i++) {
        if (!p->slot[i])
            continue;
        size_t j = (size_t)hash_str(p->slot[i]) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = p->slot[i];
    }
    free(p->slot);
    p->slot = slot;
    p->cap = cap;
    return true;
}

const char *strpool_intern(struct strpool *p, const char *s)
{
    if ((p->n + 1) * 2 > p->cap && !grow(p))
        return NULL;
    size_t j = (size_t)hash_str(s) & (p->cap - 1);
    for (; p->slot[j]; j = (j + 1) & (p->cap - 1))
        if (strcmp(p->slot[j], s) == 0)
            return p->slot[j];
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len + 1);
    p->slot[j] = copy;
    p->n++;
    return copy;
}

void strpool_free(struct strpool *p)
{
    for (size_t i = 0; i < p->cap; i++)
        free(p->slot[i]);
    free(p->slot);
    *p = (struct strpool){ 0 };
}
