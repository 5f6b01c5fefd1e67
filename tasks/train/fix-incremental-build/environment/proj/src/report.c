#include <stdio.h>
#include "strutil.h"

void print_report(int value) {
    printf("scale(%d)%s%d\n", value, SEP, scale(value));
}
