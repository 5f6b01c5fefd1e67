#!/bin/bash
set -e
cd /app/calc
cat > Makefile <<'MK'
CC = gcc
CFLAGS = -O2 -Wall

calc: main.o ops.o
	$(CC) $(CFLAGS) -o calc main.o ops.o -lm

main.o: main.c ops.h
	$(CC) $(CFLAGS) -c main.c

ops.o: ops.c ops.h
	$(CC) $(CFLAGS) -c ops.c

clean:
	rm -f calc *.o

.PHONY: clean
MK
make clean && make
