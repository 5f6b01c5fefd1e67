#!/bin/bash
set -e
awk '
  { total++ ; st = $9; if (st ~ /^5/) err++; if (st == "404") nf[$1]++; if ($10 != "-") bytes += $10 }
  END {
    best = ""; for (ip in nf) if (best == "" || nf[ip] > nf[best]) best = ip
    printf "{\"total_requests\": %d, \"server_errors\": %d, \"top_404_ip\": \"%s\", \"bytes_sent\": %d}\n", total, err, best, bytes
  }' /app/access.log > /app/report.json
