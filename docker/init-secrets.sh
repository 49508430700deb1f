#!/bin/sh
# Creates the secrets docker/docker-compose.yml reads, one file each in docker/secrets/ (or in the folder given
# as the first argument): random values from /dev/urandom, each file 0600, the folder 0700. A file that exists
# is never changed, so running this again is safe and only fills in what is missing. What each secret is, and
# how to rotate it: docker/secrets.example/README.md and docker/README.md.
#
#   sh docker/init-secrets.sh [folder]
#
# POSIX sh; needs only head, od, base64 and tr.
set -eu

dir=${1:-$(dirname "$0")/secrets}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# hex N: N random bytes as 2N hexadecimal digits
hex() {
    head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

# write NAME VALUE: create NAME with VALUE (no newline) unless it exists; noclobber makes the shell refuse to
# replace a file that appeared in the meantime
write() {
    if [ -e "$dir/$1" ]; then
        echo "kept     $dir/$1"
        return 0
    fi
    (set -C && printf '%s' "$2" > "$dir/$1")
    chmod 600 "$dir/$1"
    echo "created  $dir/$1"
}

write airflow_db_password "$(hex 24)"
write warehouse_db_password "$(hex 24)"
# libpq's password file for the warehouse login (host:port:database:user:password), from the password above
write warehouse_pgpass "*:*:*:warehouse:$(cat "$dir/warehouse_db_password")"
case $(cat "$dir/warehouse_pgpass") in
    *":$(cat "$dir/warehouse_db_password")") ;;
    *) echo "warning: $dir/warehouse_pgpass does not end with the password in warehouse_db_password" >&2 ;;
esac
# the personnummer pseudonym key: create it once and never change it (docker/README.md says why)
write pseudonym_key "$(hex 32)"
# Fernet key: 32 random bytes, URL-safe base64
write fernet_key "$(head -c 32 /dev/urandom | base64 | tr '+/' '-_')"
write jwt_secret "$(hex 32)"
write api_secret_key "$(hex 32)"
write simple_auth_passwords "{\"admin\": \"$(hex 16)\"}"

# compose mounts these files as they are (owner and mode included): the containers must run as their owner
if [ "$(id -u)" = 0 ]; then
    echo "The files belong to root: give them to the containers' uid (AIRFLOW_UID in docker/.env, default 50000):"
    echo "  chown -R 50000:0 $dir"
else
    echo "The files belong to uid $(id -u): set AIRFLOW_UID=$(id -u) in docker/.env."
fi
