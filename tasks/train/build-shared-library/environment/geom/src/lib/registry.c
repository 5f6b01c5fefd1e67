#include <stdlib.h>
#include <string.h>
#include "shape.h"

int shapes_measured = 0;

int shape_parse(const char *kind, const char **args, int nargs, shape *out) {
    memset(out, 0, sizeof *out);
    if (strcmp(kind, "circle") == 0 && nargs >= 1) {
        out->kind = 'c'; out->a = atof(args[0]); return 1;
    }
    if (strcmp(kind, "rect") == 0 && nargs >= 2) {
        out->kind = 'r'; out->a = atof(args[0]); out->b = atof(args[1]); return 2;
    }
    if (strcmp(kind, "triangle") == 0 && nargs >= 3) {
        out->kind = 't'; out->a = atof(args[0]); out->b = atof(args[1]); out->c = atof(args[2]); return 3;
    }
    return -1;
}
