#!/usr/bin/env bash
# Helpers both demos source (make demo, make demo-complete): HTTP GETs through python3 (one fewer tool to
# install than curl on a fresh machine) and the story's headings.

# GET a URL and print the body, the HTTP status on an error status, or why it was unreachable.
get() { python3 -c '
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("unreachable:", e)
' "$1"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }
