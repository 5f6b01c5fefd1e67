#!/bin/bash
set -e
cd /app/incoming
for f in * .[!.]*; do
  [ -f "$f" ] || continue
  base=${f#.}                     # a leading dot does not start an extension
  if [[ "$base" == *.* && "$base" != *. ]]; then
    ext=${base##*.}; ext=${ext,,}
  else
    ext=noext
  fi
  mkdir -p "/app/sorted/$ext"
  mv -- "$f" "/app/sorted/$ext/$f"
done
