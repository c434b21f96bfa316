#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL. When they point at this
# machine and are down, starts them (installing them from Debian's packages first if needed).
set -euo pipefail

DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/mediamesh}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
# a URL as it may be printed: its password (user info or password= parameter) masked
masked() { printf '%s' "$1" | sed -E 's|^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*):[^/?#]*@|\1:***@|; s|([?&]password=)[^&#]*|\1***|I'; }
is_local() { case "$1" in *@127.0.0.1*|*@localhost*|*//127.0.0.1*|*//localhost*) return 0;; *) return 1;; esac; }

pg_up() { pg_isready -q -d "${DATABASE_URL%/*}/postgres" 2>/dev/null; }
redis_up() { redis-cli -u "$REDIS_URL" ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  is_local "$DATABASE_URL" || { echo "PostgreSQL at $(masked "$DATABASE_URL") does not answer" >&2; exit 1; }
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || { echo "install PostgreSQL: sudo apt-get install -y postgresql" >&2; exit 1; }
    say "installing PostgreSQL"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib >/dev/null
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    # local development only: trust connections from this machine, as DATABASE_URL assumes
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' \
      "/etc/postgresql/$ver/main/pg_hba.conf"
  fi
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 50); do pg_up && break; sleep 0.2; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi

if ! redis_up; then
  is_local "$REDIS_URL" || { echo "Redis at $(masked "$REDIS_URL") does not answer" >&2; exit 1; }
  if ! command -v redis-server >/dev/null; then
    [ "$(id -u)" -eq 0 ] || { echo "install Redis: sudo apt-get install -y redis-server" >&2; exit 1; }
    say "installing Redis"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  say "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis_up && break; sleep 0.2; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi
