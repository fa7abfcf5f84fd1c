#!/usr/bin/env bash
# The project's own RabbitMQ node: AMQP 127.0.0.1:55672, management API 127.0.0.1:55673, user crowd/crowd,
# node crowd@localhost with its own epmd on 55675 and distribution port 55674, all state under .crowd/rabbitmq.
# Sourced by ./crowd; also runnable on its own: infra/rabbitmq.sh start|stop|status.
#
# We run /usr/lib/rabbitmq/bin/rabbitmq-server directly (it execs the Erlang VM, so the pid we record is the node)
# with every path pointed into .crowd/rabbitmq, which lets it run as any user, root included, beside a system
# RabbitMQ if there is one.

# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RABBIT_HOME="$CROWD_STATE/rabbitmq"
RABBIT_PIDFILE="$RABBIT_HOME/rabbitmq.pid"
RABBIT_TEMPLATES="$CROWD_ROOT/infra/rabbitmq"

rabbit_installed() { [[ -x $RABBIT_SERVER ]]; }

# The environment rabbitmq-server (and rabbitmqctl, if ever needed) must see: same node name, same epmd,
# same cookie (Erlang reads $HOME/.erlang.cookie).
rabbit_env() {
    export HOME="$RABBIT_HOME/home" \
        RABBITMQ_NODENAME="$RABBIT_NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RABBIT_PORT" \
        RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" \
        ERL_EPMD_PORT="$RABBIT_EPMD_PORT" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia" \
        RABBITMQ_LOG_BASE="$RABBIT_HOME/log" \
        RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins" \
        RABBITMQ_PID_FILE="$RABBIT_PIDFILE" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    # Keep the config and env files of a system-wide RabbitMQ, if any, out of our node.
    export RABBITMQ_CONF_ENV_FILE="$RABBIT_HOME/rabbitmq-env.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_HOME/advanced.config"
}

rabbit_pid() { read_pid "$RABBIT_PIDFILE"; }
rabbit_running() { pid_alive "$(rabbit_pid)" rabbitmq; }

# HTTP status of GET /api/$1 on the management API with the crowd user ("000" when nothing answers).
rabbit_api_status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 -u "$RABBIT_USER:$RABBIT_PASSWORD" \
        "http://127.0.0.1:$RABBIT_MGMT_PORT/api/$1" 2>/dev/null || true
}

rabbit_ready() { port_open "$RABBIT_PORT" && [[ $(rabbit_api_status overview) == 200 ]]; }

rabbit_write_config() {
    mkdir -p "$RABBIT_HOME/home" "$RABBIT_HOME/mnesia" "$RABBIT_HOME/log" "$CROWD_LOGS"
    sed -e "s/@AMQP_PORT@/$RABBIT_PORT/" -e "s/@MGMT_PORT@/$RABBIT_MGMT_PORT/" \
        -e "s/@USER@/$RABBIT_USER/" -e "s/@PASSWORD@/$RABBIT_PASSWORD/" \
        "$RABBIT_TEMPLATES/rabbitmq.conf.template" >"$RABBIT_HOME/rabbitmq.conf"
    cp "$RABBIT_TEMPLATES/enabled_plugins" "$RABBIT_HOME/enabled_plugins"
    : >"$RABBIT_HOME/rabbitmq-env.conf"
    [[ -f $RABBIT_HOME/advanced.config ]] || echo '[].' >"$RABBIT_HOME/advanced.config"
    ln -sfn "$RABBIT_HOME/rabbitmq.out" "$CROWD_LOGS/rabbitmq.log"
}

rabbit_start() {
    rabbit_installed || die "RabbitMQ is not installed ($RABBIT_SERVER missing)"
    command -v curl >/dev/null || die "curl is not installed"
    if rabbit_running; then
        rabbit_wait_ready
        return 0
    fi
    local port
    for port in "$RABBIT_PORT" "$RABBIT_MGMT_PORT" "$RABBIT_DIST_PORT"; do
        port_open "$port" && die "port $port is in use by something else (another checkout's ./crowd up?); stop it first"
    done
    rabbit_write_config
    say "starting RabbitMQ on 127.0.0.1:$RABBIT_PORT (management 127.0.0.1:$RABBIT_MGMT_PORT)"
    rm -f "$RABBIT_PIDFILE"
    # A subshell keeps the exported variables away from the caller. rabbitmq-server execs the Erlang VM, so the
    # recorded pid is the node's (RABBITMQ_PID_FILE, the same file, is rewritten by the node with the same pid).
    (
        rabbit_env
        cd "$RABBIT_HOME"
        spawn_detached "$RABBIT_PIDFILE" "$RABBIT_HOME/rabbitmq.out" "$RABBIT_SERVER"
    )
    rabbit_wait_ready
}

rabbit_wait_ready() {
    local timeout=${CROWD_RABBIT_TIMEOUT:-90} i
    for ((i = 0; i < timeout * 2; i++)); do
        rabbit_ready && break
        if ! rabbit_running; then
            log_tail "$RABBIT_HOME/rabbitmq.out"
            log_tail "$RABBIT_HOME/log/$RABBIT_NODE.log"
            die "RabbitMQ exited during start"
        fi
        sleep 0.5
    done
    if ! rabbit_ready; then
        log_tail "$RABBIT_HOME/log/$RABBIT_NODE.log"
        die "RabbitMQ did not answer on 127.0.0.1:$RABBIT_PORT and the management API within ${timeout}s"
    fi
    [[ $(rabbit_api_status whoami) == 200 ]] || die "RabbitMQ runs but user $RABBIT_USER cannot use the management API"
}

# A broker user of a service's own ($1, password $2) with rights on the default virtual host: each service logs in as
# itself, and RabbitMQ lets a message carry only its sender's own user_id (payouts' audit chain checks it).
rabbit_ensure_user() {
    local user=$1 password=$2 api="http://127.0.0.1:$RABBIT_MGMT_PORT/api" status
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$RABBIT_USER:$RABBIT_PASSWORD" -X PUT \
        -H 'content-type: application/json' -d "{\"password\":\"$password\",\"tags\":\"\"}" "$api/users/$user")
    [[ $status == 201 || $status == 204 ]] || die "could not create the broker user $user (HTTP $status)"
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$RABBIT_USER:$RABBIT_PASSWORD" -X PUT \
        -H 'content-type: application/json' -d '{"configure":".*","write":".*","read":".*"}' "$api/permissions/%2F/$user")
    [[ $status == 201 || $status == 204 ]] || die "could not give the broker user $user its rights (HTTP $status)"
}

# Stops the node (SIGTERM is a clean shutdown for the Erlang VM), then our epmd, which outlives the node.
rabbit_stop() {
    if rabbit_running; then
        say "stopping RabbitMQ"
        stop_pids 60 "$(rabbit_pid)"
    fi
    rm -f "$RABBIT_PIDFILE"
    rabbit_stop_epmd
}

rabbit_stop_epmd() {
    port_open "$RABBIT_EPMD_PORT" || return 0
    local epmd
    epmd=$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1 || true)
    [[ -n $epmd ]] && ERL_EPMD_PORT=$RABBIT_EPMD_PORT "$epmd" -kill >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do
        port_open "$RABBIT_EPMD_PORT" || return 0
        sleep 0.1
    done
    say "warning: epmd still listens on 127.0.0.1:$RABBIT_EPMD_PORT"
}

rabbit_status() {
    if rabbit_running; then
        local state=ready
        rabbit_ready || state="starting or unhealthy"
        echo "rabbitmq    running   amqp 127.0.0.1:$RABBIT_PORT, management http://127.0.0.1:$RABBIT_MGMT_PORT ($state, pid $(rabbit_pid))"
    else
        echo "rabbitmq    stopped   (port $RABBIT_PORT$(port_open "$RABBIT_PORT" && echo ' is in use by another process'))"
        return 1
    fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
        start) rabbit_start ;;
        stop) rabbit_stop ;;
        status) rabbit_status ;;
        *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
    esac
fi
