#!/bin/bash
# A small example pair of directories to try the tool on.
set -e
cd /app && mkdir -p example/src/docs example/src/bin example/dst/docs example/dst/old
printf 'hello\n' > example/src/readme.txt
printf 'hello\n' > example/dst/readme.txt
printf 'v2 notes\n' > "example/src/docs/release notes.md"
printf 'v1 notes\n' > "example/dst/docs/release notes.md"
printf '#!/bin/sh\necho run\n' > example/src/bin/run.sh && chmod 755 example/src/bin/run.sh
ln -s docs/release\ notes.md example/src/latest
printf 'stale\n' > example/dst/old/stale.txt
ln -s /tmp example/dst/tmp-link
