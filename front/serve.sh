#!/usr/bin/env bash
# make serve: the service (gunicorn, app/wsgi.py) on 127.0.0.1:APP_PORT behind the HAProxy front on PORT.
# Both start here and stop together: Ctrl-C or TERM stops both, and either one ending stops the other.
# `front/serve.sh --front-only` runs the front alone, for UPSTREAMS that run elsewhere (several machines).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export PORT=${PORT:-5000}
export APP_PORT=${APP_PORT:-$((PORT + 1))}
CONFIG=instance/front/haproxy.$$.cfg  # one per front: fronts started side by side (the tests) keep their own
mkdir -p instance/front
"$BIN/python" front/render.py > "$CONFIG" && haproxy -c -q -f "$CONFIG" || exit 1

pids=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null; rm -f "$CONFIG"; }
trap stop INT TERM EXIT

if [ "${1:-}" != "--front-only" ]; then
    # behind the front: the client's address is the one it forwards; one thread per front slot
    PORT=$APP_PORT HOST=127.0.0.1 FORWARDED_HOPS=${FORWARDED_HOPS:-1} \
        THREADS=${THREADS:-$("$BIN/python" front/render.py --threads)} "$BIN/gunicorn" app.wsgi:app &
    pids+=($!)
fi
haproxy -db -f "$CONFIG" &
pids+=($!)
echo "front on ${FRONT_BIND:-127.0.0.1:$PORT} (HAProxy), upstreams ${UPSTREAMS:-127.0.0.1:$APP_PORT}" >&2
wait -n "${pids[@]}"
