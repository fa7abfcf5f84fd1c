#!/usr/bin/env bash
# The project's own PostgreSQL 15 cluster: 127.0.0.1:55432, superuser crowd/crowd, data under .crowd/pg.
# Sourced by ./crowd; also runnable on its own: infra/postgres.sh start|stop|status|createdbs.
#
# Layout of .crowd/pg (owned by whoever runs the server):
#   data/          the cluster (PGDATA)
#   run/           the Unix socket (we connect over TCP; the socket only keeps pg_ctl and postgres happy),
#                  or /tmp/crowd-<hash>-pg when that path would be too long for a socket
#   postgres.log   server log (also linked from .crowd/logs/postgres.log)
#
# PostgreSQL refuses to run as root. As root we run initdb/pg_ctl as the `postgres` system user, which then must
# own .crowd/pg and be able to reach it. When the checkout is somewhere postgres cannot traverse (a clone under
# /root, mode 700), we put the cluster in /var/tmp/crowd-<hash of the checkout path>/pg and make .crowd/pg a
# symlink to it, rather than loosening permissions on the user's home directory.

# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_LINK="$CROWD_STATE/pg"

# Where the cluster really is: .crowd/pg, or the target of that symlink. The postgres user must be given the
# real path, since it may not be able to pass through the checkout to follow the link.
pg_locate() {
    if [[ -L $PG_LINK ]]; then
        PG_HOME=$(readlink "$PG_LINK")
    else
        PG_HOME=$PG_LINK
    fi
    PG_DATA="$PG_HOME/data"
}
pg_locate

# Runs a PostgreSQL server binary as the cluster's owner: ourselves, or `postgres` when we are root.
pg_as_owner() {
    if is_root; then
        # From /: runuser keeps our working directory, which postgres may not be allowed to enter.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_installed() { [[ -x $PG_BIN/postgres && -x $PG_BIN/psql ]]; }

# Creates .crowd/pg (or its out-of-tree target when root cannot hand .crowd to postgres) with the right owner.
pg_prepare_dirs() {
    mkdir -p "$CROWD_STATE" "$CROWD_LOGS"
    if is_root; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' system user (is postgresql-15 installed?)"
        # A dangling symlink (its /var/tmp target wiped) is recreated below.
        if [[ ! -e $PG_LINK && ! -L $PG_LINK ]] && ! runuser -u postgres -- test -x "$CROWD_STATE"; then
            local target
            target="/var/tmp/crowd-$(printf '%s' "$CROWD_ROOT" | sha256sum | cut -c1-12)/pg"
            say "postgres cannot reach $CROWD_STATE; the cluster goes to $target (symlinked as .crowd/pg)"
            ln -s "$target" "$PG_LINK"
            pg_locate
        fi
        if [[ -L $PG_LINK ]]; then
            mkdir -p "$(dirname "$PG_HOME")"
            chmod 755 "$(dirname "$PG_HOME")"
        fi
        mkdir -p "$PG_HOME"
        chown postgres:postgres "$PG_HOME"
        chmod 700 "$PG_HOME"
        runuser -u postgres -- mkdir -p "$PG_HOME/run"
    else
        mkdir -p "$PG_HOME/run"
        chmod 700 "$PG_HOME"
    fi
    ln -sfn "$PG_HOME/postgres.log" "$CROWD_LOGS/postgres.log"
    # A Unix socket path has a 107-byte limit; a deep checkout gets a short private directory under /tmp instead.
    PG_SOCKET_DIR="$PG_HOME/run"
    if ((${#PG_SOCKET_DIR} > 80)); then
        PG_SOCKET_DIR="/tmp/crowd-$(printf '%s' "$CROWD_ROOT" | sha256sum | cut -c1-12)-pg"
        pg_as_owner mkdir -p -m 700 "$PG_SOCKET_DIR"
    fi
}

pg_init() {
    [[ -f $PG_DATA/PG_VERSION ]] && return 0
    say "initialising PostgreSQL cluster in $PG_DATA"
    local pwfile="$PG_HOME/.pwfile"
    pg_as_owner sh -c 'umask 077 && printf "%s\n" "$1" > "$2"' sh "$PG_PASSWORD" "$pwfile"
    # Password auth over TCP; trust only on the Unix socket, which lives in a directory only the owner can enter.
    # --no-locale: a fresh machine may have no locales generated, and the tests compare bytes, not collations.
    if ! pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" \
            --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --no-locale \
            >"$PG_HOME/initdb.log" 2>&1; then
        rm -f "$pwfile"
        log_tail "$PG_HOME/initdb.log"
        die "initdb failed"
    fi
    rm -f "$pwfile"
}

# True when our cluster's postmaster runs (pg_ctl reads data/postmaster.pid and checks the process).
pg_running() {
    [[ -f $PG_DATA/PG_VERSION ]] && pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_start() {
    pg_installed || die "PostgreSQL 15 is not installed ($PG_BIN/postgres missing)"
    pg_prepare_dirs
    if pg_running; then
        return 0
    fi
    port_open "$PG_PORT" && die "port $PG_PORT is in use by something else (another checkout's ./crowd up?); stop it first"
    pg_init
    # Local dev/test cluster only: fsync and full_page_writes off trade safety against an operating-system crash for
    # speed (tests create and drop many databases). synchronous_commit stays on: a commit is written to the kernel before
    # it is acknowledged, so a killed PostgreSQL (the fault tests SIGKILL it) loses no acknowledged commit. With it off, a
    # consumer's commit acknowledged just before the kill vanished in recovery after RabbitMQ had already dropped the
    # message: a TaskFinalized lost for good, its task never finished. Production runs with the defaults (all on).
    # max_connections 300: five services' pools plus the tests' own. pg_stat_statements: where the database's time goes
    # (CREATE EXTENSION pg_stat_statements in a database, then read the view: docs/benchmarks.md shows it used).
    local opts="-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$PG_SOCKET_DIR' -c max_connections=300"
    opts+=" -c shared_preload_libraries=pg_stat_statements"
    opts+=" -c fsync=off -c full_page_writes=off"
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    if ! pg_as_owner "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_HOME/postgres.log" -w -t 60 -o "$opts" \
            </dev/null >/dev/null 2>&1; then
        log_tail "$PG_HOME/postgres.log"
        die "PostgreSQL did not start"
    fi
}

pg_stop() {
    pg_running || return 0
    say "stopping PostgreSQL"
    pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
}

# Runs SQL as the crowd superuser over TCP (the same path the services use).
pg_psql() {
    PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres \
        -X -q -v ON_ERROR_STOP=1 -At "$@"
}

# Creates the given databases if they do not exist yet.
pg_create_databases() {
    local db
    for db in "$@"; do
        if [[ -z $(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
            say "creating database $db"
            pg_psql -c "CREATE DATABASE \"$db\""
        fi
    done
}

# A service's database, owned by a login of its own that runs the migrations ($2, password $3), and the service's
# login ($4, password $5), which owns nothing: the migration runner grants it what the service needs (MigrationRunner).
# A database made before these roles existed (owned by the superuser) is handed to the owner, with all it holds.
pg_create_service_database() {
    local db=$1 owner=$2 owner_password=$3 app=$4 app_password=$5 role password
    for role in "$owner:$owner_password" "$app:$app_password"; do
        password=${role#*:}
        role=${role%%:*}
        pg_psql -c "DO \$\$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\" LOGIN; END IF;
            END \$\$" -c "ALTER ROLE \"$role\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$password'"
    done
    if [[ -z $(pg_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
        say "creating database $db (owner $owner)"
        pg_psql -c "CREATE DATABASE \"$db\" OWNER \"$owner\""
    elif [[ $(pg_psql -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$db'") != "$owner" ]]; then
        say "handing database $db to $owner"
        pg_psql -c "ALTER DATABASE \"$db\" OWNER TO \"$owner\""
        pg_psql -d "$db" -c "DO \$\$ DECLARE statement text; BEGIN
                FOR statement IN
                    SELECT format('ALTER TABLE public.%I OWNER TO %I', c.relname, '$owner') FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                    UNION ALL
                    SELECT format('ALTER SEQUENCE public.%I OWNER TO %I', c.relname, '$owner') FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
                      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
                    UNION ALL
                    SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, '$owner') FROM pg_proc p
                    WHERE p.pronamespace = 'public'::regnamespace
                LOOP EXECUTE statement; END LOOP;
            END \$\$"
    fi
}

pg_status() {
    if pg_running; then
        echo "postgres    running   127.0.0.1:$PG_PORT  (user $PG_USER, data $PG_DATA)"
    else
        echo "postgres    stopped   (port $PG_PORT$(port_open "$PG_PORT" && echo ' is in use by another process'))"
        return 1
    fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
        start) pg_start ;;
        stop) pg_stop ;;
        status) pg_status ;;
        createdbs) shift; pg_create_databases "$@" ;;
        *) echo "usage: $0 start|stop|status|createdbs DB..." >&2; exit 2 ;;
    esac
fi
