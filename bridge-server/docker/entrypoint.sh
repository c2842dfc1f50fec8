#!/bin/sh
# Container entry point of bridge-server: finds the authkey, then execs the JVM (PID 1, so
# SIGTERM from `docker stop` reaches the server's graceful shutdown).
#
# The key comes from, in order:
#   PICKLEBRIDGE_AUTHKEY       the key itself, e.g. from `docker run --env-file`; copied to a
#                              0600 file because the server reads keys from files only
#   PICKLEBRIDGE_AUTHKEY_FILE  a mounted secret file (default /run/secrets/picklebridge_authkey,
#                              where compose and swarm `secrets:` put it)
# It is never passed on the command line and never printed.
set -eu

listen="${PICKLEBRIDGE_LISTEN:-tcp://0.0.0.0:7341}"
key_file="${PICKLEBRIDGE_AUTHKEY_FILE:-/run/secrets/picklebridge_authkey}"

if [ -n "${PICKLEBRIDGE_AUTHKEY:-}" ]; then
    umask 077
    key_file="$(mktemp "${TMPDIR:-/tmp}/picklebridge-authkey.XXXXXX")"
    printf '%s' "$PICKLEBRIDGE_AUTHKEY" > "$key_file"
    unset PICKLEBRIDGE_AUTHKEY
elif [ ! -e "$key_file" ]; then
    echo "picklebridge: no authkey: mount a secret at $key_file (compose 'secrets:'), point" \
         "PICKLEBRIDGE_AUTHKEY_FILE at a key file, or set PICKLEBRIDGE_AUTHKEY (docker run --env-file)" >&2
    exit 64
elif [ ! -r "$key_file" ]; then
    echo "picklebridge: authkey file $key_file is not readable by uid $(id -u): a bind-mounted" \
         "secret keeps the host file's owner and mode (see docs/troubleshooting.md)" >&2
    exit 64
elif [ ! -s "$key_file" ]; then
    echo "picklebridge: authkey file $key_file is empty (was PICKLEBRIDGE_AUTHKEY set for docker compose?)" >&2
    exit 64
fi

# shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options, split on purpose
exec java ${JAVA_OPTS:-} -cp "/opt/picklebridge/bridge-server.jar:/opt/picklebridge/workers/*" \
    io.picklebridge.server.cli.ServerCommand --listen "$listen" --authkey-file "$key_file" "$@"
