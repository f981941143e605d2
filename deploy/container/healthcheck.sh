#!/usr/bin/env bash
# The container's health check: Pekko Management's /alive on this node (started with --management-port, 8558 by
# default here). Bash only, so that the image needs no curl.
set -euo pipefail
port="${FARM_MANAGEMENT_PORT:-8558}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /alive HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 5 status_line <&3
[[ "$status_line" == *" 200 "* ]]
