# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the scripts that source this file
# Shared settings and helpers for ./crowd and the infra/*.sh scripts. Sourced, never run.
#
# The ports and credentials below are the defaults the .NET code relies on: change them here and in the
# services' defaults together, never one without the other.

# Always this checkout's root, whatever CROWD_ROOT the caller's environment holds.
CROWD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# git-ignored: data, logs, pid files, the JWT key. CROWD_INFRA_STATE and the CROWD_*_PORT variables below run a second,
# private PostgreSQL and RabbitMQ beside the usual ones (the infrastructure fault test kills and restarts its own).
CROWD_STATE="${CROWD_INFRA_STATE:-$CROWD_ROOT/.crowd}"
CROWD_LOGS="$CROWD_STATE/logs"
CROWD_RUN="$CROWD_STATE/run"

PG_BIN=/usr/lib/postgresql/15/bin          # Debian's binaries by full path; never whatever is first on PATH
PG_PORT=${CROWD_PG_PORT:-55432}
PG_USER=crowd
PG_PASSWORD=crowd

RABBIT_SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server   # not the /usr/sbin wrapper: it switches to the rabbitmq user
RABBIT_PORT=${CROWD_RABBIT_PORT:-55672}     # management, distribution and epmd on the next three ports
RABBIT_MGMT_PORT=$((RABBIT_PORT + 1))
RABBIT_DIST_PORT=$((RABBIT_PORT + 2))
RABBIT_EPMD_PORT=$((RABBIT_PORT + 3))
RABBIT_NODE=crowd@localhost
RABBIT_USER=crowd
RABBIT_PASSWORD=crowd

# Keep builds from leaving MSBuild nodes and build servers behind: CI waits for every process holding its
# output, and `down` promises to leave nothing running. A developer who wants node reuse can override these.
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"

say()  { printf '%s\n' "crowd: $*" >&2; }
die()  { printf '%s\n' "crowd: error: $*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp: no netcat or ss needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when $1 names a live process whose command line contains $2 (guards against a recycled pid).
pid_alive() {
    local pid=$1 needle=$2
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$needle"
}

# The pid recorded in a pid file, or nothing.
read_pid() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

# Sends SIGTERM to the given processes at once, waits up to $1 seconds for all of them, then SIGKILLs the rest.
stop_pids() {
    local wait_s=$1 pid i alive
    shift
    (($#)) || return 0
    kill -TERM "$@" 2>/dev/null || true
    for ((i = 0; i < wait_s * 10; i++)); do
        alive=()
        for pid in "$@"; do
            kill -0 "$pid" 2>/dev/null && alive+=("$pid")
        done
        ((${#alive[@]})) || return 0
        sleep 0.1
    done
    say "pid(s) ${alive[*]} did not stop within ${wait_s}s; killing them"
    kill -KILL "${alive[@]}" 2>/dev/null || true
}

# Prints the last $2 lines of a log file, indented, to stderr (used in every "did not start" error). Lines
# matching the extended regex $3, if given, are left out (our own readiness probes, for instance).
log_tail() {
    local file=$1 lines=${2:-30} skip=${3:-}
    if [[ -r $file ]]; then
        printf '  --- last %s lines of %s ---\n' "$lines" "$file" >&2
        if [[ -n $skip ]]; then
            grep -v -E -- "$skip" "$file" | tail -n "$lines" | sed 's/^/  | /' >&2 || true
        else
            tail -n "$lines" "$file" | sed 's/^/  | /' >&2
        fi
    else
        printf '  (no log at %s)\n' "$file" >&2
    fi
}

# Installs Debian packages, as root directly or through sudo. Called only when something is missing.
apt_install() {
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null || die "missing packages: $*; install them as root: apt-get install -y $*"
        sudo=(sudo)
    fi
    mkdir -p "$CROWD_LOGS"
    say "installing $* (apt-get; log: $CROWD_LOGS/apt.log)"
    if ! { "${sudo[@]}" apt-get update -q &&
           "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } \
           </dev/null >"$CROWD_LOGS/apt.log" 2>&1; then
        log_tail "$CROWD_LOGS/apt.log" 40
        die "apt-get install $* failed"
    fi
}

# Starts "$@" detached from our terminal and process group (setsid + nohup: neither Ctrl-C nor closing the shell
# stops it), stdin closed, output to $2; its pid goes to $1. The inner bash writes its own pid and then execs the
# command, so the pid file holds the real process whatever setsid decides about forking.
spawn_detached() {
    local pidfile=$1 logfile=$2
    shift 2
    rm -f "$pidfile"
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >"$logfile" 2>&1 &
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -s $pidfile ]] && return 0
        sleep 0.1
    done
    die "could not start $*"
}
