#!/bin/bash
set -e
cd /app/geom
cat > Makefile <<'MK'
CC = gcc
CFLAGS = -O2 -Wall -Iinclude

all: bin/shapes

lib/libshape.so: build/area.o build/perimeter.o build/registry.o
	mkdir -p lib
	$(CC) -shared -o $@ $^ -lm

build/%.o: src/lib/%.c include/shape.h
	mkdir -p build
	$(CC) $(CFLAGS) -fPIC -c $< -o $@

bin/shapes: src/app/main.c lib/libshape.so include/shape.h
	mkdir -p bin
	$(CC) $(CFLAGS) -o $@ src/app/main.c -Llib -lshape -Wl,-rpath,'$$ORIGIN/../lib'

clean:
	rm -rf build lib bin

.PHONY: all clean
MK
make clean && make
