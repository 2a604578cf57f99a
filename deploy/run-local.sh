#!/usr/bin/env bash
# What docker-compose.yml describes, as plain processes on one machine: Debian's Caddy (with
# deploy/Caddyfile) in front of two `lenswalk serve` instances, a PostgreSQL database on a running
# server, and a redis-server of its own.
#
#   deploy/run-local.sh start    # prints the address, returns once everything answers
#   deploy/run-local.sh stop     # stops what `start` started, nothing else
#
# Settings (environment):
#   RUN_LOCAL_DIR       state, logs and pid files        (default: data/run-local)
#   RUN_LOCAL_DATABASE  database on the PostgreSQL server (default: lenswalk_local; created if missing)
#   RUN_LOCAL_PGHOST    PostgreSQL server, as psql needs  (default: 127.0.0.1, user postgres)
#   RUN_LOCAL_PORT      Caddy's plain-HTTP port           (default: 8480)
#   RUN_LOCAL_APP_PORTS the two instances' ports          (default: "8481 8482")
#   RUN_LOCAL_REDIS_PORT its own redis-server's port      (default: 8483)
#   RUN_LOCAL_ADMIN_PORT Caddy's admin API port            (default: 8484)
#   LENSWALK_*          passed on to the instances (e.g. LENSWALK_ADMIN_EMAIL / _PASSWORD)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DIR=${RUN_LOCAL_DIR:-$ROOT/data/run-local}
DB=${RUN_LOCAL_DATABASE:-lenswalk_local}
PGHOST_=${RUN_LOCAL_PGHOST:-127.0.0.1}
PORT=${RUN_LOCAL_PORT:-8480}
read -r -a APP_PORTS <<<"${RUN_LOCAL_APP_PORTS:-8481 8482}"
REDIS_PORT=${RUN_LOCAL_REDIS_PORT:-8483}
ADMIN_PORT=${RUN_LOCAL_ADMIN_PORT:-8484}
LENSWALK=${LENSWALK:-$ROOT/.venv/bin/lenswalk}

wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then echo "run-local: timed out waiting for: $*" >&2; return 1; fi
        sleep 0.2
    done
}

stop_pid() {  # stop_pid NAME: SIGTERM the process in DIR/NAME.pid, SIGKILL after 15 s
    local file="$DIR/$1.pid" pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

start() {
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    # A key of this deployment's own, kept between runs.
    [ -f "$DIR/secret_key" ] || (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$DIR/secret_key")

    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
        --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
    wait_for 15 redis-cli -p "$REDIS_PORT" ping

    if ! psql -h "$PGHOST_" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
        psql -h "$PGHOST_" -U postgres -qc "CREATE DATABASE \"$DB\""
    fi

    export LENSWALK_ENVIRONMENT=${LENSWALK_ENVIRONMENT:-production}
    export LENSWALK_DATABASE_URL="postgresql+psycopg://postgres@$PGHOST_:5432/$DB"
    export LENSWALK_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
    LENSWALK_SECRET_KEY=$(cat "$DIR/secret_key")
    export LENSWALK_SECRET_KEY
    export LENSWALK_BASE_URL="http://127.0.0.1:$PORT"
    export LENSWALK_DATA_DIR="$DIR"
    # Caddy reaches the instances from 127.0.0.1: only it may name the client.
    export LENSWALK_FORWARDED_ALLOW_IPS=127.0.0.1

    # The compose file's one-shot job, then the replicas with --no-prepare.
    "$LENSWALK" migrate
    "$LENSWALK" load-content
    local n=0 upstreams=""
    for port in "${APP_PORTS[@]}"; do
        n=$((n + 1))
        "$LENSWALK" serve --host 127.0.0.1 --port "$port" --no-prepare >>"$DIR/app$n.log" 2>&1 &
        echo $! >"$DIR/app$n.pid"
        upstreams="$upstreams 127.0.0.1:$port"
    done
    for port in "${APP_PORTS[@]}"; do
        wait_for 60 curl -fsS "http://127.0.0.1:$port/healthz"
    done

    # deploy/Caddyfile itself, with plain HTTP on a local port instead of a certificate.
    LENSWALK_DOMAIN="http://127.0.0.1:$PORT" LENSWALK_UPSTREAMS="${upstreams# }" \
        CADDY_ADMIN="127.0.0.1:$ADMIN_PORT" XDG_DATA_HOME="$DIR/caddy" XDG_CONFIG_HOME="$DIR/caddy" \
        caddy run --config deploy/Caddyfile --adapter caddyfile >>"$DIR/caddy.log" 2>&1 &
    echo $! >"$DIR/caddy.pid"
    wait_for 30 curl -fsS "http://127.0.0.1:$PORT/healthz"
    echo "Lenswalk is ready on http://127.0.0.1:$PORT (Caddy -> ${upstreams# }; logs in $DIR)"
}

stop() {
    stop_pid caddy
    stop_pid app1
    stop_pid app2
    stop_pid redis
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
