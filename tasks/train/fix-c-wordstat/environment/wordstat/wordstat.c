/* wordstat: print "LINES WORDS LONGEST" for the text on standard input.
 *
 * LINES   number of lines (a last line without a final newline still counts)
 * WORDS   number of maximal runs of non-whitespace bytes
 * LONGEST length in bytes of the longest line, not counting its line ending
 *         ("\n", or "\r\n" for files with DOS line endings)
 */
#include <stdio.h>
#include <string.h>

#define MAXLINE 80

/* Reads one line into buf without its newline; returns 0 at end of input. */
static int read_line(char *buf) {
    int c, n = 0;
    while ((c = getchar()) != EOF && c != '\n')
        buf[n++] = (char)c;
    buf[n] = '\0';
    return c != EOF;
}

static long count_words(const char *s) {
    long words = 1;
    for (; *s; s++)
        if (*s == ' ')
            words++;
    return words;
}

int main(void) {
    char line[MAXLINE];
    long lines = 0, words = 0, longest = 0;

    while (read_line(line)) {
        long len = (long)strlen(line);
        lines++;
        words += count_words(line);
        if (len > longest)
            longest = len;
    }
    printf("%ld %ld %ld\n", lines, words, longest);
    return 0;
}
