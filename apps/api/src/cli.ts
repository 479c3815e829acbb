import 'reflect-metadata';
import { AdminAccounts } from '@danbao/admins';
import { suspenseReconciler } from '@danbao/channels';
import { settlementReconcilers } from '@danbao/settlement';
import { formatLedgerCheckReport, LedgerService } from '@danbao/ledger';
import {
  ApiKeyService,
  AuditLog,
  ConfigError,
  createDataSource,
  Database,
  databaseOf,
  loadConfig,
} from '@danbao/platform';

/**
 * Operator commands (`npm run cli -- <command>`): each takes its arguments and resolves to the
 * process exit code. Add a command by adding an entry; none boots Nest, each opens only what it
 * needs and closes it again.
 */
type Command = { summary: string; run: (args: string[]) => Promise<number> };

export const COMMANDS: Record<string, Command> = {
  'ledger:check': {
    summary: 'check that the books balance; exits 1 and names the account or transaction on any violation',
    run: ledgerCheck,
  },
  'apikey:create': {
    summary: 'create a secret API key for the marketplace backend (`apikey:create [name]`); shown once',
    run: apiKeyCreate,
  },
  'apikey:revoke': {
    summary: 'revoke an API key by its id (`apikey:revoke key_…`); it stops working within 10 s',
    run: apiKeyRevoke,
  },
  'admin:create': {
    summary:
      'create an admin (`admin:create <email>`); the password comes from DANBAO_ADMIN_PASSWORD or stdin, never the command line; prints its id',
    run: adminCreate,
  },
};

async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const dataSource = await createDataSource({ databaseUrl: config.databaseUrl, poolSize: 1 }).initialize();
  try {
    return await work(databaseOf(dataSource));
  } finally {
    await dataSource.destroy();
  }
}

async function apiKeyCreate(args: string[]): Promise<number> {
  const created = await withDatabase((db) => new ApiKeyService(db).create(args[0] ?? 'marketplace'));
  process.stdout.write(
    `Created API key ${created.id}. Keep the secret now; it is not shown again:\n${created.key}\n`,
  );
  return 0;
}

/**
 * The new admin's password: DANBAO_ADMIN_PASSWORD when set, else stdin: typed at a prompt without
 * echo on a terminal, or the first line of a pipe (`… | npm run cli -- admin:create ops@…`). Never
 * an argument: the command line is visible to every user of the machine and kept in shell history.
 */
async function readPassword(): Promise<string> {
  const fromEnvironment = process.env.DANBAO_ADMIN_PASSWORD;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password (not shown): ');
    return new Promise((resolve, reject) => {
      let typed = '';
      stdin.setRawMode(true);
      stdin.setEncoding('utf8');
      const done = (error?: Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.removeListener('data', onData);
        process.stderr.write('\n');
        if (error) reject(error);
        else resolve(typed);
      };
      const onData = (chunk: string) => {
        for (const character of chunk) {
          if (character === '\r' || character === '\n') return done();
          if (character === '\u0003') return done(new Error('interrupted'));
          if (character === '\u007f' || character === '\b') typed = typed.slice(0, -1);
          else typed += character;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

async function adminCreate(args: string[]): Promise<number> {
  const email = args[0];
  if (!email || args.length > 1) {
    process.stderr.write(
      'Usage: npm run cli -- admin:create <email>\n' +
        'The password is read from DANBAO_ADMIN_PASSWORD or stdin, never from the command line.\n',
    );
    return 2;
  }
  const password = await readPassword();
  const admin = await withDatabase((db) =>
    new AdminAccounts(db, new AuditLog()).create(email, password, { type: 'operator', name: 'cli' }),
  );
  process.stderr.write(`Created admin ${admin.email}; it signs in with POST /v1/admin/sessions.\n`);
  process.stdout.write(`${admin.id}\n`);
  return 0;
}

async function apiKeyRevoke(args: string[]): Promise<number> {
  const id = args[0];
  if (!id || !/^key_[0-9a-z]{26}$/.test(id)) {
    process.stderr.write('Usage: npm run cli -- apikey:revoke key_…\n');
    return 2;
  }
  const revoked = await withDatabase((db) => new ApiKeyService(db).revoke(id));
  process.stdout.write(revoked ? `Revoked ${id}.\n` : `No active API key ${id}.\n`);
  return revoked ? 0 : 1;
}

/** Prints the ledger check report (`--json` for the admin endpoint's JSON); exit 1 unless balanced. */
async function ledgerCheck(args: string[]): Promise<number> {
  return withDatabase(async (db) => {
    const ledger = new LedgerService(db);
    const report = await ledger.check(undefined, [
      suspenseReconciler(ledger),
      ...settlementReconcilers(ledger),
    ]);
    process.stdout.write(
      args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatLedgerCheckReport(report),
    );
    return report.balanced ? 0 : 1;
  });
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Usage: npm run cli -- <command> [arguments]\n\nCommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`${name === undefined ? '' : `Unknown command: ${name}\n\n`}${usage()}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    process.stderr.write(
      `${name} failed: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
