#!/bin/bash
set -e
cat > /app/bin/ext_report.sh <<'SH'
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

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "ext_report.sh: not a directory: ${1-}" >&2
    exit 1
fi
declare -A count bytes
while IFS= read -r -d '' f; do
    name=${f##*/}
    base=${name#.}
    if [[ "$base" == *.* && "$name" != *. ]]; then
        ext=${name##*.}
        ext=${ext,,}
    else
        ext="(none)"
    fi
    size=$(stat -c %s -- "$f")
    count["$ext"]=$(( ${count["$ext"]:-0} + 1 ))
    bytes["$ext"]=$(( ${bytes["$ext"]:-0} + size ))
done < <(find "$1" -type f -print0)
for e in "${!count[@]}"; do
    printf '%s\t%s\t%s\n' "$e" "${count[$e]}" "${bytes[$e]}"
done | LC_ALL=C sort -t $'\t' -k3,3nr -k1,1
SH
chmod +x /app/bin/ext_report.sh
