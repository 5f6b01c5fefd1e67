#!/bin/bash
set -e
cat > /app/wordstat/wordstat.c <<'C'
/* wordstat: print "LINES WORDS LONGEST" for the text on standard input.
 *
 * LINES   number of lines (a last line without a final newline still counts)
 * WORDS   number of maximal runs of non-whitespace bytes
 * LONGEST length in bytes of the longest line, not counting its line ending
 *         ("\n", or "\r\n" for files with DOS line endings)
 */
#include <stdio.h>

static int is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void end_line(long len, int last_cr, long *longest) {
    if (last_cr)
        len--;
    if (len > *longest)
        *longest = len;
}

int main(void) {
    long lines = 0, words = 0, longest = 0, len = 0;
    int c, in_word = 0, last_cr = 0;

    while ((c = getchar()) != EOF) {
        if (is_space(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
        if (c == '\n') {
            lines++;
            end_line(len, last_cr, &longest);
            len = 0;
            last_cr = 0;
        } else {
            len++;
            last_cr = (c == '\r');
        }
    }
    if (len > 0) {            /* last line without a newline */
        lines++;
        end_line(len, 0, &longest);
    }
    printf("%ld %ld %ld\n", lines, words, longest);
    return 0;
}
C
cd /app/wordstat && make
