#!/usr/bin/env bash
# Runs a command and checks both its exit status and that its output (stdout and stderr) matches a regex
# (CTest's PASS_REGULAR_EXPRESSION alone ignores the status).
# usage: expect.sh STATUS REGEX COMMAND [ARG]...
set -u
want=$1 pattern=$2
shift 2
out=$(timeout 60 "$@" 2>&1)
status=$?
echo "$out"
if [[ $status -ne $want ]]; then
  echo "FAIL: exit status $status, expected $want"
  exit 1
fi
if ! grep -Eq -- "$pattern" <<<"$out"; then
  echo "FAIL: the output does not match: $pattern"
  exit 1
fi
