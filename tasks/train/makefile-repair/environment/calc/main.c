#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ops.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: calc add|sub|mul|div|hyp A B\n");
        return 2;
    }
    double a = atof(argv[2]), b = atof(argv[3]);
    double r;
    if (strcmp(argv[1], "add") == 0) r = op_add(a, b);
    else if (strcmp(argv[1], "sub") == 0) r = op_sub(a, b);
    else if (strcmp(argv[1], "mul") == 0) r = op_mul(a, b);
    else if (strcmp(argv[1], "div") == 0) r = op_div(a, b);
    else if (strcmp(argv[1], "hyp") == 0) r = op_hyp(a, b);
    else { fprintf(stderr, "unknown operation %s\n", argv[1]); return 2; }
    printf("%g\n", r);
    return 0;
}
