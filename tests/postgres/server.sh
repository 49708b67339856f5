# server.sh: a private PostgreSQL server for the tests, sourced by tests/postgres.t (and
# any other test that needs a real server). Debian's `postgresql` package provides the
# binaries under /usr/lib/postgresql/VERSION/bin (the newest is taken; PG_BIN overrides);
# the server is nobody else's: its data directory and unix socket live in a fresh
# directory under /tmp, it listens on no TCP address (so its port only names the socket
# and never collides), and trust lets the user `pipe` in without a password.
#
# initdb and postgres refuse to run as root. As root, they run as `nobody` through
# runuser (util-linux, in every Debian): the directory is made over to nobody, and root,
# which may enter any directory, connects through the socket as usual. As another user,
# they run as that user.
#
#   pg_start          initdb and start; sets PG_DIR, PG_PORT, PG_BIN and PG_CONNINFO (the
#                     superuser `pipe`, database `postgres`). Returns non-zero on failure,
#                     with the server's log on standard error.
#   pg_sql SQL        runs SQL with psql as `pipe`: unaligned, tuples only, stops at the
#                     first error.
#   pg_restart [MODE [PAUSE]]
#                     stops (pg_ctl mode, default fast) and starts the same server again,
#                     PAUSE seconds later (default 0).
#   pg_stop           stops the server at once and removes PG_DIR. Safe to call twice, and
#                     meant for an EXIT trap.
#   pg_test_start     for a TAP test, in its working directory: clears the PG* variables
#                     that would point libpq elsewhere and starts the server, or prints
#                     "Bail out!" with the reason and exits 1.

pg_find_bin() {
  if [ -n "${PG_BIN:-}" ]; then return 0; fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -n 1)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]
}

# Runs a server program as the user that owns PG_DIR, from inside it (nobody may not be
# able to enter the caller's directory).
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd "$PG_DIR" && runuser -u nobody -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

pg_ctl_start() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-c listen_addresses= -k $PG_DIR -p $PG_PORT -c fsync=off -c max_connections=40" \
    start > /dev/null
}

pg_start() {
  pg_find_bin || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/pipe-pg.XXXXXX) || return 1
  PG_PORT=$((20000 + $$ % 30000))
  PG_CONNINFO="host=$PG_DIR port=$PG_PORT user=pipe dbname=postgres"
  if [ "$(id -u)" = 0 ]; then chown nobody "$PG_DIR" || return 1; fi
  chmod 700 "$PG_DIR"
  if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U pipe -A trust -E UTF8 --locale=C -N \
       > "$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  # Password logins for the role `pipe_pw` (created by the test), trust for the rest.
  printf 'local all pipe_pw scram-sha-256\nlocal all all trust\n' > "$PG_DIR/data/pg_hba.conf"
  if ! pg_ctl_start; then
    cat "$PG_DIR/log" >&2
    return 1
  fi
  export PG_DIR PG_PORT PG_BIN PG_CONNINFO
}

pg_sql() {
  "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$PG_CONNINFO" -c "$1"
}

pg_restart() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w stop > /dev/null &&
    sleep "${2:-0}" && pg_ctl_start
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null 2>&1
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}

pg_test_start() {
  unset PGHOST PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
  if ! pg_start 2> start.err; then
    echo "Bail out! cannot start a PostgreSQL server: $(tr '\n' ' ' < start.err)"
    exit 1
  fi
}
