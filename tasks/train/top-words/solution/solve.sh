#!/bin/bash
set -e
grep -oE '[A-Za-z]+' /app/book.txt | tr 'A-Z' 'a-z' | sort | uniq -c \
  | awk '{print $2, $1}' | sort -k2,2nr -k1,1 | head -n 10 > /app/top10.txt
