#!/bin/bash
cat > /app/retry.sh <<'SH'
#!/bin/bash
# retry.sh MAX_ATTEMPTS DELAY_SECONDS COMMAND [ARG...]
if [ $# -lt 3 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: retry.sh MAX_ATTEMPTS DELAY_SECONDS COMMAND [ARG...]" >&2
  exit 2
fi
max=$1 delay=$2
shift 2
attempt=1
while true; do
  "$@"
  status=$?
  [ $status -eq 0 ] && exit 0
  [ $attempt -ge $max ] && exit $status
  echo "retry: attempt $attempt/$max failed with status $status" >&2
  attempt=$((attempt + 1))
  sleep "$delay"
done
SH
chmod +x /app/retry.sh
