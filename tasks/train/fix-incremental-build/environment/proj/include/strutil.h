#ifndef STRUTIL_H
#define STRUTIL_H
#define SEP "-"
/* Writes `word` repeated `times` times, separated by SEP, into out (size n). */
void repeat_word(char *out, unsigned long n, const char *word, int times);
int scale(int x);
#endif
