#include <stdio.h>
#include "config.h"
#include "strutil.h"
#include "version.h"

void print_report(int value);

int main(void) {
    char buf[256];
    printf("app %s\n", APP_VERSION);
    repeat_word(buf, sizeof buf, GREETING, REPEAT);
    printf("%s\n", buf);
    print_report(7);
    return 0;
}
