#!/bin/sh
# Nightly backup of the city server's PostgreSQL database (docs/deploy-server.md): one custom-format
# pg_dump a day (restore with pg_restore), the last $KEEP_DAYS kept. Run as the postgres user
# (jydesk-backup.service) or any role that can read the database.
#
#   PGDATABASE   database to dump (default jydesk)
#   BACKUP_DIR   where the dumps go (default /var/backups/jydesk)
#   KEEP_DAYS    dumps older than this many days are deleted (default 30)
#   PGHOST, PGPORT, PGUSER ...  the usual libpq variables
set -eu
db="${PGDATABASE:-jydesk}"
dir="${BACKUP_DIR:-/var/backups/jydesk}"
keep="${KEEP_DAYS:-30}"
mkdir -p "$dir"
stamp=$(date +%Y%m%d-%H%M%S)
tmp="$dir/.$db-$stamp.dump.partial"
pg_dump --format=custom --compress=6 --dbname="$db" --file="$tmp"
pg_restore --list "$tmp" >/dev/null   # the archive is readable
mv "$tmp" "$dir/$db-$stamp.dump"
find "$dir" -maxdepth 1 -name "$db-*.dump" -type f -mtime +"$keep" -delete
echo "$dir/$db-$stamp.dump"
