#!/bin/sh
# Entrypoint of the redis stand-in, after the official image's: `docker run IMAGE --appendonly yes` and
# `docker run IMAGE my.conf` mean `redis-server ...`; redis-server runs as user redis. The official binary is built
# with protected mode off; Debian's is not, so without a config file `--protected-mode no` is passed first (later
# arguments, e.g. `--protected-mode yes`, still win). With a config file, the file decides, as upstream.
set -eu

if [ $# -gt 0 ] && { [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; }; then set -- redis-server "$@"; fi

if [ "${1:-}" = redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    find . ! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
  shift
  if [ $# -gt 0 ] && { [ "${1#-}" = "$1" ] || [ "$1" = - ]; }; then
    conf=$1; shift
    set -- redis-server "$conf" "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(umask)" = 0022 ]; then umask 0077; fi
fi
exec "$@"
