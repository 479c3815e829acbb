#!/usr/bin/env node
// Run by the compose file's migrate service after the migrations, as danbao_owner: grants the
// application user danbao_app what libs/ledger/GRANTS.md says. The ledger's tables and the audit
// log get exactly the statements of GRANTS.md's grants block (read from the file, so the two never
// differ: no UPDATE or DELETE on posted entries or audit rows); every other table of the schema gets SELECT, INSERT, UPDATE,
// DELETE, table by table (never on danbao.*, which would include the journal). Idempotent.
// Not exercised by CI on these machines (no Docker engine); see README.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const mysql = require('mysql2/promise');

const APP_USER = "'danbao_app'@'%'";

async function main() {
  const url = new URL(process.env.DATABASE_URL);
  const database = url.pathname.slice(1);
  if (database !== 'danbao') throw new Error('GRANTS.md names the database danbao; DATABASE_URL must too');
  const grantsMd = readFileSync(join(__dirname, 'GRANTS.md'), 'utf8');
  const block = /<!-- grants:begin -->([\s\S]*?)<!-- grants:end -->/.exec(grantsMd)?.[1] ?? '';
  const ledgerGrants = block.split('\n').filter((line) => line.startsWith('GRANT '));
  if (ledgerGrants.length === 0) throw new Error('no GRANT statement found in GRANTS.md');
  const connection = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  });
  try {
    for (const statement of ledgerGrants) await connection.query(statement);
    const [tables] = await connection.query(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?
         AND table_name NOT IN ('ledger_transactions', 'ledger_entries', 'ledger_balances', 'audit_log',
                                'schema_migrations')`,
      [database],
    );
    for (const { name } of tables)
      await connection.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.\`${name}\` TO ${APP_USER}`,
      );
    process.stdout.write(
      `Granted danbao_app the GRANTS.md privileges on ${tables.length + ledgerGrants.length} tables.\n`,
    );
  } finally {
    await connection.end();
  }
}

main().catch((error) => {
  process.stderr.write(`granting danbao_app failed: ${error.message}\n`);
  process.exit(1);
});
