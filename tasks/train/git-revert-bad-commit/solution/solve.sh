#!/bin/bash
set -e
cd /app/repo
bad=$(git log --format=%H --grep='^Tune pricing constants$' main)
git -c user.name=oracle -c user.email=oracle@example.com revert --no-edit "$bad"
