import 'reflect-metadata';
import { formatLedgerCheckReport, LedgerService } from '@danbao/ledger';
import { ConfigError, createDataSource, loadConfig } from '@danbao/platform';

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
};

/** Prints the ledger check report (`--json` for the admin endpoint's JSON); exit 1 unless balanced. */
async function ledgerCheck(args: string[]): Promise<number> {
  const config = loadConfig();
  const dataSource = await createDataSource({ databaseUrl: config.databaseUrl, poolSize: 1 }).initialize();
  try {
    const report = await new LedgerService(dataSource).check();
    process.stdout.write(
      args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatLedgerCheckReport(report),
    );
    return report.balanced ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
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
