#ifndef SHAPE_H
#define SHAPE_H

typedef struct {
    char kind;      /* 'c' circle, 'r' rectangle, 't' triangle */
    double a, b, c; /* radius | width, height | three sides */
} shape;

extern int shapes_measured;

double shape_area(const shape *s);
double shape_perimeter(const shape *s);
int shape_parse(const char *kind, const char **args, int nargs, shape *out);

#endif
