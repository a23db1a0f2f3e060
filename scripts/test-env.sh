#!/usr/bin/env bash
# Makes a throwaway PostgreSQL server available to the test suite (vigie-store's tests read its address from
# VIGIE_TEST_POSTGRES).
#
#   eval "$(scripts/test-env.sh start)"     # prints `export VIGIE_TEST_POSTGRES=... VIGIE_TEST_PG_DIR=...`
#   scripts/test-env.sh stop "$VIGIE_TEST_PG_DIR"
#
# or, sourced, the same commands set the variables in the calling shell:
#
#   source scripts/test-env.sh start
#   source scripts/test-env.sh stop
#
# `start` does nothing when VIGIE_TEST_POSTGRES is already set (a server given by CI or by hand). Otherwise it
# uses the newest Debian PostgreSQL under /usr/lib/postgresql/*/bin (installing the `postgresql` package with
# apt-get when absent and running as root), creates a cluster in a fresh temporary folder with trust
# authentication, and starts it on 127.0.0.1 on a free port from 54329 up, with fsync off: it is for tests
# only. With the openssl command at hand, the server also accepts TLS with a certificate from a throwaway
# authority, whose certificate VIGIE_TEST_PG_CA names (the TLS tests connect with sslmode=verify-full). `stop DIR` stops that server and removes DIR (only a folder this script created).
#
# VIGIE_PG_SHARED_BUFFERS sets the server's buffer pool (PostgreSQL's default is 128MB; its tuning guide
# suggests a quarter of the machine's memory), for benchmarks on stores larger than the default pool (the 100,000
# cases of `vigie-bench serve` make a 300 MB database).
#
# Only the export lines go to standard output; everything else goes to standard error.

vigie_pg_log() { printf 'test-env.sh: %s\n' "$*" >&2; }

# The newest installed PostgreSQL bin folder, or nothing.
vigie_pg_bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
        printf '%s\n' "$d"
    fi
}

# Runs a PostgreSQL command as the user that owns the cluster: `postgres` when we are root (initdb refuses
# root), ourselves otherwise.
vigie_pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Whether something accepts connections on 127.0.0.1:$1.
vigie_pg_port_busy() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A certificate authority and a server certificate for 127.0.0.1 and localhost, signed by it, in $1 (ca.pem,
# server.crt, server.key). Fails when openssl is missing.
vigie_pg_make_certs() {
    local dir="$1"
    command -v openssl >/dev/null 2>&1 || {
        vigie_pg_log "openssl not found: the test server runs without TLS"
        return 1
    }
    (
        set -e
        cd "$dir"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
            -subj "/CN=Vigie test CA" -keyout ca.key -out ca.pem \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
            -keyout server.key -out server.csr
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 7 -out server.crt \
            -extfile server.ext
        chmod 600 server.key
        if [[ $(id -u) -eq 0 ]]; then chown postgres: server.key server.crt; fi
    ) >"$dir/certs.log" 2>&1 || {
        vigie_pg_log "could not make test certificates (see $dir/certs.log): the test server runs without TLS"
        return 1
    }
}

vigie_pg_start() {
    if [[ -n "${VIGIE_TEST_POSTGRES:-}" ]]; then
        vigie_pg_log "VIGIE_TEST_POSTGRES is already set ($VIGIE_TEST_POSTGRES); not starting a server"
        return 0
    fi
    local bindir
    bindir=$(vigie_pg_bindir)
    if [[ -z "$bindir" ]]; then
        if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
            vigie_pg_log "error: no PostgreSQL found under /usr/lib/postgresql/*/bin, and it cannot be installed here" \
                "(needs root and apt-get). Install the Debian package 'postgresql', or set VIGIE_TEST_POSTGRES to the" \
                "URL of a server the tests may create databases on (postgres://USER@HOST:PORT/postgres)."
            return 1
        fi
        vigie_pg_log "installing PostgreSQL with apt-get (about a minute)"
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; then
            DEBIAN_FRONTEND=noninteractive apt-get update >&2 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 || {
                vigie_pg_log "error: apt-get install postgresql failed"
                return 1
            }
        fi
        bindir=$(vigie_pg_bindir)
        if [[ -z "$bindir" ]]; then
            vigie_pg_log "error: the postgresql package installed no /usr/lib/postgresql/*/bin/initdb"
            return 1
        fi
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        vigie_pg_log "error: running as root but there is no 'postgres' user to run the server as"
        return 1
    fi

    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/vigie-pg.XXXXXX") || {
        vigie_pg_log "error: cannot create a temporary folder"
        return 1
    }
    # The marker lets `stop` refuse to delete a folder this script did not make.
    printf '%s\n' "$bindir" >"$dir/.vigie-test-pg"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir" "$dir/.vigie-test-pg"
    fi
    if ! vigie_pg_as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-sync \
        >"$dir/initdb.log" 2>&1; then
        vigie_pg_log "error: initdb failed:"
        cat "$dir/initdb.log" >&2
        rm -rf -- "$dir"
        return 1
    fi

    local port=54329 tries=0 buffers="" tls=""
    if [[ -n "${VIGIE_PG_SHARED_BUFFERS:-}" ]]; then
        buffers="-c shared_buffers=$VIGIE_PG_SHARED_BUFFERS"
    fi
    # TLS with a throwaway certificate authority (the TLS tests trust its certificate, VIGIE_TEST_PG_CA), when
    # the openssl command is there.
    if vigie_pg_make_certs "$dir"; then
        tls="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    while ((tries < 50)); do
        if ! vigie_pg_port_busy "$port"; then
            if vigie_pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
                -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $buffers $tls" \
                -w -t 60 start >&2; then
                local url="postgres://postgres@127.0.0.1:$port/postgres"
                printf 'export VIGIE_TEST_POSTGRES=%q\n' "$url"
                printf 'export VIGIE_TEST_PG_DIR=%q\n' "$dir"
                if [[ -n "$tls" ]]; then
                    printf 'export VIGIE_TEST_PG_CA=%q\n' "$dir/ca.pem"
                fi
                vigie_pg_log "PostgreSQL $(basename "$(dirname "$bindir")") listening at $url (folder $dir)"
                return 0
            fi
            # Most likely another process took the port between the check and the start: try the next one.
            vigie_pg_log "could not start on port $port; server log:"
            tail -n 5 "$dir/server.log" >&2 2>/dev/null
        fi
        port=$((port + 1))
        tries=$((tries + 1))
    done
    vigie_pg_log "error: no free port found from 54329 to $port"
    rm -rf -- "$dir"
    return 1
}

vigie_pg_stop() {
    local dir="${1:-${VIGIE_TEST_PG_DIR:-}}"
    if [[ -z "$dir" ]]; then
        vigie_pg_log "usage: test-env.sh stop DIR (or with VIGIE_TEST_PG_DIR set)"
        return 2
    fi
    if [[ ! -f "$dir/.vigie-test-pg" ]]; then
        vigie_pg_log "error: $dir was not made by test-env.sh start; leaving it alone"
        return 1
    fi
    local bindir
    bindir=$(head -n 1 "$dir/.vigie-test-pg")
    if [[ -f "$dir/data/postmaster.pid" && -x "$bindir/pg_ctl" ]]; then
        vigie_pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 ||
            vigie_pg_log "warning: pg_ctl stop failed"
    fi
    rm -rf -- "$dir"
    return 0
}

vigie_pg_main() {
    local cmd="${1:-start}"
    case "$cmd" in
    start) vigie_pg_start ;;
    stop) vigie_pg_stop "${2:-}" ;;
    -h | --help | help)
        sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
        ;;
    *)
        vigie_pg_log "usage: test-env.sh [start | stop DIR]"
        return 2
        ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: apply the exports to the calling shell instead of printing them, and never `exit` it.
    if [[ "${1:-start}" == "start" ]]; then
        vigie_pg_exports=$(vigie_pg_main "$@") && eval "$vigie_pg_exports"
    else
        vigie_pg_main "$@" && if [[ "${1:-}" == "stop" ]]; then unset VIGIE_TEST_POSTGRES VIGIE_TEST_PG_DIR VIGIE_TEST_PG_CA; fi
    fi
    vigie_pg_rc=$?
    unset vigie_pg_exports
    return "$vigie_pg_rc"
else
    set -uo pipefail
    vigie_pg_main "$@"
    exit $?
fi
