#include <stdio.h>
#include "shape.h"

/* usage: shapes KIND ARGS... [KIND ARGS...]   e.g. shapes circle 1 rect 2 3 triangle 3 4 5 */
int main(int argc, char **argv) {
    int i = 1;
    while (i < argc) {
        shape s;
        int used = shape_parse(argv[i], (const char **)argv + i + 1, argc - i - 1, &s);
        if (used < 0) {
            fprintf(stderr, "bad shape at argument %d: %s\n", i, argv[i]);
            return 2;
        }
        printf("%s area=%.3f perimeter=%.3f\n", argv[i], shape_area(&s), shape_perimeter(&s));
        i += used + 1;
    }
    printf("measured %d shapes\n", shapes_measured);
    return 0;
}
