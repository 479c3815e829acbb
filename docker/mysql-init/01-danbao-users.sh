#!/bin/sh
# Runs once, on MySQL's first start (docker-entrypoint-initdb.d), as root. Creates the two users
# of libs/ledger/GRANTS.md: danbao_owner, which runs the migrations and owns the schema, and
# danbao_app, which the api and the worker connect as. danbao_app gets its table grants from the
# migrate service after each migration (docker/grant-app-user.js): MySQL cannot grant SELECT or
# INSERT on a table that does not exist yet.
set -eu
mysql --protocol=socket -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'danbao_owner'@'%' IDENTIFIED BY '${DANBAO_OWNER_PASSWORD}';
GRANT ALL PRIVILEGES ON \`danbao\`.* TO 'danbao_owner'@'%' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'danbao_app'@'%' IDENTIFIED BY '${DANBAO_APP_PASSWORD}';
SQL
