#!/bin/bash
# Verifier: runs the checks and always writes a reward (0 unless every check passed).
mkdir -p /logs/verifier
echo 0 > /logs/verifier/reward.txt
if python3 /tests/test_outputs.py; then
  echo 1 > /logs/verifier/reward.txt
  echo "RESULT: all checks passed"
else
  echo "RESULT: some checks failed"
fi
