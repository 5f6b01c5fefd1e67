#!/bin/bash
# ext_report.sh DIR
#
# Prints one line per file extension found in DIR and all its subdirectories:
#     EXTENSION<TAB>NUMBER_OF_FILES<TAB>TOTAL_BYTES
# EXTENSION is the part of the file name after its last dot, in lower case. Files whose name has no dot,
# whose only dot is the first character (".bashrc"), or that end with a dot, are counted under "(none)".
# Only regular files count (not directories, not symbolic links). File names may contain spaces, glob
# characters (*, ?, [) and non-ASCII letters.
# Lines are sorted by TOTAL_BYTES, largest first; equal totals are ordered by EXTENSION (byte order).
# An empty directory prints nothing and exits 0. A DIR that does not exist or is not a directory prints
# an error on standard error and exits 1.

dir=$1
declare -A count bytes
for f in $(find $dir -type f); do
    name=$(basename $f)
    ext=${name##*.}
    [ "$ext" == "$name" ] && ext="(none)"
    size=$(stat -c %s $f)
    count[$ext]=$((count[$ext] + 1))
    bytes[$ext]=$((bytes[$ext] + size))
done
for e in "${!count[@]}"; do
    echo -e "$e\t${count[$e]}\t${bytes[$e]}"
done | sort -k3 -n -r
