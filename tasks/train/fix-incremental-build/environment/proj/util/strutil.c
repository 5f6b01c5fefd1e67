#include <stdio.h>
#include <string.h>
#include "strutil.h"

void repeat_word(char *out, unsigned long n, const char *word, int times) {
    out[0] = '\0';
    for (int i = 0; i < times; i++) {
        if (i > 0)
            strncat(out, SEP, n - strlen(out) - 1);
        strncat(out, word, n - strlen(out) - 1);
    }
}
