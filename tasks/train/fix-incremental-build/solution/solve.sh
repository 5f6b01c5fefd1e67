#!/bin/bash
set -e
cd /app/proj
cat > Makefile <<'MK'
CC = gcc
CFLAGS = -O2 -Wall -Iinclude -Ibuild
DEPFLAGS = -MMD -MP

SRCS = src/main.c src/report.c
OBJS = $(SRCS:src/%.c=build/%.o)
LIBOBJS = build/strutil.o build/numutil.o

all: bin/app

build/version.h: VERSION
	mkdir -p build
	echo "#define APP_VERSION \"$$(cat VERSION)\"" > $@

lib/libutil.a: $(LIBOBJS)
	mkdir -p lib
	rm -f $@
	ar rcs $@ $^

build/%.o: util/%.c
	mkdir -p build
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

build/%.o: src/%.c
	mkdir -p build
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# main.c includes the generated header, which must exist before main.o is first compiled
build/main.o: build/version.h

bin/app: $(OBJS) lib/libutil.a
	mkdir -p bin
	$(CC) -o $@ $(OBJS) -Llib -lutil

clean:
	rm -rf build lib bin

.PHONY: all clean

-include $(OBJS:.o=.d) $(LIBOBJS:.o=.d)
MK
make clean
make -j4
