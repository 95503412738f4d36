#!/bin/sh
# Run tests as if the clock said another time, for pytest AND PostgreSQL (tests compare Python's
# now with PostgreSQL's now(): faking only one of them gives false failures). By hand, not part
# of `make test`. Needs root, gcc, PostgreSQL 15 and Redis on 6379.
#
#   bench/clock_sweep.sh "2026-12-01 23:50" tests/recipients tests/inventory
#
# The time is America/New_York's (the project's TIME_ZONE). Both wall clocks are shifted by the
# same number of seconds (bench/clock_shift.c, preloaded) and tick from there. A private cluster
# in /tmp/pgclock-$SLOT on port 55432+$SLOT runs under the shifted clock and is stopped afterwards.
# SLOT (default 1) and REDIS_DB (default 11) keep parallel runs apart. Browser tests don't run
# under the shift (Chromium's clock is its own): leave them out with --ignore-glob='*browser*'.
set -eu

WHEN="$1"
shift
SLOT="${SLOT:-1}"
PORT=$((55432 + SLOT))
DIR="/tmp/pgclock-$SLOT"
PGBIN=/usr/lib/postgresql/15/bin

mkdir -p "$DIR"
chmod 755 "$DIR"
gcc -O2 -shared -fPIC -o "$DIR/clock_shift.so" "$(dirname "$0")/clock_shift.c" -ldl
TARGET=$(date -d "TZ=\"America/New_York\" $WHEN" +%s)
SHIFTED="LD_PRELOAD=$DIR/clock_shift.so CLOCK_SHIFT=$((TARGET - $(date +%s)))"

if [ ! -d "$DIR/data" ]; then
    chown postgres "$DIR"
    su postgres -c "$PGBIN/initdb -D $DIR/data -A trust -U postgres --no-sync" >/dev/null
fi
su postgres -c "env $SHIFTED $PGBIN/pg_ctl -D $DIR/data -l $DIR/log -o '-p $PORT -c fsync=off -k /tmp' -w start" >/dev/null
trap 'su postgres -c "$PGBIN/pg_ctl -D $DIR/data -m fast -w stop" >/dev/null' EXIT

echo "date: $(env $SHIFTED TZ=America/New_York date '+%F %T %Z') / $(env $SHIFTED date -u '+%F %T UTC')"
echo "PostgreSQL: $(PGTZ=America/New_York psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'SELECT now()::timestamp(0)')"

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/cvms_clock"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/${REDIS_DB:-11}" CI=true
env $SHIFTED .venv/bin/pytest -p no:cacheprovider -q "$@"
