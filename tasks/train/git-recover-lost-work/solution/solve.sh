#!/bin/bash
set -e
cd /app/project
g() { git -c user.name=oracle -c user.email=oracle@example.com "$@"; }
lost=$(git reflog --format='%H %gs' | awk '$0 ~ /commit: Fix CSV export quoting$/ {print $1; exit}')
docs=$(git reflog --format='%H %gs' | awk '$0 ~ /commit: Write usage docs$/ {print $1; exit}')
g cherry-pick "$lost~1" "$lost"
git branch docs "$docs"
