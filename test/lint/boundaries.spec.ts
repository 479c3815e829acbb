// Proves the import boundaries of eslint.config.mjs (DESIGN.md, Layout): each rule refuses a
// deliberately bad import, and the correct form of each import is accepted, so this spec fails
// both when a rule stops refusing and when it starts refusing too much. Real: ESLint with the
// repository's config, on source texts linted as if they sat at the given (virtual) paths, so no
// bad file is in the tree for `npx eslint .` to trip on.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface LintMessage {
  ruleId: string | null;
  message: string;
  severity: number;
}

interface LintCase {
  filePath: string;
  code: string;
}

/** A file that imports `name` from `specifier` and uses it, so only the import can be wrong. */
const importing = (specifier: string, name = 'Imported'): string =>
  `import { ${name} } from '${specifier}';\n\nexport const used = ${name};\n`;

const CASES = {
  // No app imports another.
  workerImportsApiRelative: {
    filePath: 'apps/worker/src/worker.module.ts',
    code: importing('../../api/src/schema'),
  },
  workerHandlerImportsApiRelative: {
    filePath: 'apps/worker/src/handlers/release.handlers.ts',
    code: importing('../../../api/src/app.module'),
  },
  apiImportsWorkerRelative: {
    filePath: 'apps/api/src/app.module.ts',
    code: importing('../../worker/src/worker.module'),
  },
  workerImportsApiAtAlias: { filePath: 'apps/worker/src/main.ts', code: importing('@/apps/api/src/schema') },
  workerImportsApiBaseUrl: {
    filePath: 'apps/worker/src/main.ts',
    code: importing('apps/api/src/app.module'),
  },
  workerImportsApiPackageAlias: { filePath: 'apps/worker/src/main.ts', code: importing('@danbao/api') },
  workerReexportsApi: {
    filePath: 'apps/worker/src/main.ts',
    code: "export { AppModule } from '../../api/src/app.module';\n",
  },
  apiSpecImportsWorker: {
    filePath: 'apps/api/src/http-stack.int-spec.ts',
    code: importing('../../worker/src/worker-host'),
  },
  // Money is pure: no project import at all.
  moneyImportsPlatform: {
    filePath: 'libs/money/src/amount.ts',
    code: importing('@danbao/platform', 'DomainError'),
  },
  moneyImportsLedger: {
    filePath: 'libs/money/src/money.ts',
    code: importing('@danbao/ledger', 'LedgerService'),
  },
  moneyImportsPlatformRelative: {
    filePath: 'libs/money/src/amount.ts',
    code: importing('../../platform/src/errors/api-error', 'DomainError'),
  },
  // The platform may use pure money (its config refuses currencies money does not know), nothing else.
  platformImportsMoney: {
    filePath: 'libs/platform/src/config/config.schema.ts',
    code: importing('@danbao/money', 'isKnownCurrency'),
  },
  platformImportsLedger: {
    filePath: 'libs/platform/src/config/config.schema.ts',
    code: importing('@danbao/ledger', 'LedgerService'),
  },
  // Another lib only through its public index.
  escrowDeepImportsLedgerAlias: {
    filePath: 'libs/escrow/src/escrow.service.ts',
    code: importing('@danbao/ledger/src/ledger.service', 'LedgerService'),
  },
  escrowDeepImportsLedgerRelative: {
    filePath: 'libs/escrow/src/escrow.service.ts',
    code: importing('../../ledger/src/ledger.service', 'LedgerService'),
  },
  // Checkout no longer reaches the ledger (issue 10, seam 2).
  checkoutImportsLedger: {
    filePath: 'libs/checkout/src/checkout.service.ts',
    code: importing('@danbao/ledger', 'LedgerService'),
  },
  // Admins use the platform only (issue 12).
  adminsImportsLedger: {
    filePath: 'libs/admins/src/admin.service.ts',
    code: importing('@danbao/ledger', 'LedgerService'),
  },
  // Correct imports, which must pass without a single message.
  workerImportsSchema: {
    filePath: 'apps/worker/src/worker.module.ts',
    code: importing('@danbao/schema', 'allMigrations'),
  },
  workerHandlerImportsOwnApp: {
    filePath: 'apps/worker/src/handlers/release.handlers.ts',
    code: importing('../worker-host'),
  },
  apiImportsOwnFolderNamedWorker: {
    filePath: 'apps/api/src/queues/dashboard.ts',
    code: importing('../worker/status'),
  },
  moneyImportsItself: {
    filePath: 'libs/money/src/amount.ts',
    code: importing('./currency', 'isKnownCurrency'),
  },
  escrowImportsLedgerIndex: {
    filePath: 'libs/escrow/src/escrow.service.ts',
    code: importing('@danbao/ledger', 'LedgerService'),
  },
  schemaImportsCheckout: {
    filePath: 'libs/schema/src/index.ts',
    code: importing('@danbao/checkout', 'checkoutMigrations'),
  },
  adminsImportsPlatform: {
    filePath: 'libs/admins/src/admin.service.ts',
    code: importing('@danbao/platform', 'AuditLog'),
  },
  schemaImportsAdmins: {
    filePath: 'libs/schema/src/index.ts',
    code: importing('@danbao/admins', 'adminsMigrations'),
  },
} satisfies Record<string, LintCase>;

type CaseName = keyof typeof CASES;

const ROOT = join(__dirname, '..', '..');
let results: Record<CaseName, LintMessage[]>;

beforeAll(() => {
  const output = execFileSync(process.execPath, [join(__dirname, 'lint-texts.js')], {
    cwd: ROOT,
    input: JSON.stringify(CASES),
    encoding: 'utf8',
  });
  results = JSON.parse(output) as Record<CaseName, LintMessage[]>;
}, 60_000);

/** The errors ESLint reports for a case, as "rule: message". */
const errors = (name: CaseName): string[] =>
  results[name].filter((message) => message.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);

describe('no app imports another', () => {
  it.each<[CaseName, string, string]>([
    ['workerImportsApiRelative', 'worker', 'api'],
    ['workerHandlerImportsApiRelative', 'worker', 'api'],
    ['apiImportsWorkerRelative', 'api', 'worker'],
    ['workerImportsApiAtAlias', 'worker', 'api'],
    ['workerImportsApiBaseUrl', 'worker', 'api'],
    ['workerImportsApiPackageAlias', 'worker', 'api'],
    ['workerReexportsApi', 'worker', 'api'],
    ['apiSpecImportsWorker', 'api', 'worker'],
  ])('refuses %s', (name, from, to) => {
    expect(errors(name)).toEqual([
      `danbao/no-cross-app-imports: apps/${from} may not import apps/${to}: move what both need into a lib.`,
    ]);
  });

  it.each<CaseName>(['workerImportsSchema', 'workerHandlerImportsOwnApp', 'apiImportsOwnFolderNamedWorker'])(
    'accepts %s',
    (name) => {
      expect(results[name]).toEqual([]);
    },
  );
});

describe('libs/money imports nothing of the project', () => {
  it.each<CaseName>(['moneyImportsPlatform', 'moneyImportsLedger'])('refuses %s', (name) => {
    expect(errors(name)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*libs\/money may import only: no other lib/),
    ]);
  });

  it('refuses a relative path into the platform', () => {
    expect(errors('moneyImportsPlatformRelative')).toEqual([
      'danbao/no-relative-imports-across-libs: Import another lib only through its public index: @danbao/platform.',
    ]);
  });

  it('accepts its own files', () => {
    expect(results.moneyImportsItself).toEqual([]);
  });
});

describe('libs/platform imports only the pure money lib', () => {
  it('accepts @danbao/money', () => {
    expect(results.platformImportsMoney).toEqual([]);
  });

  it('refuses any other lib', () => {
    expect(errors('platformImportsLedger')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*libs\/platform may import only: money \(/),
    ]);
  });
});

describe('another lib only through its public index', () => {
  it('refuses a deep alias import (@danbao/ledger/src/...)', () => {
    expect(errors('escrowDeepImportsLedgerAlias')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*Import another lib only through its public index/),
    ]);
  });

  it('refuses a relative path into another lib (../../ledger/src/...)', () => {
    expect(errors('escrowDeepImportsLedgerRelative')).toEqual([
      'danbao/no-relative-imports-across-libs: Import another lib only through its public index: @danbao/ledger.',
    ]);
  });

  it.each<CaseName>([
    'escrowImportsLedgerIndex',
    'schemaImportsCheckout',
    'adminsImportsPlatform',
    'schemaImportsAdmins',
  ])('accepts %s', (name) => {
    expect(results[name]).toEqual([]);
  });
});

describe('libs/checkout', () => {
  it('refuses an import of the ledger (escrow owns money entering escrow)', () => {
    expect(errors('checkoutImportsLedger')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*libs\/checkout may import only: /),
    ]);
  });
});

describe('libs/admins', () => {
  it('refuses an import of the ledger (admins use the platform only)', () => {
    expect(errors('adminsImportsLedger')).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*libs\/admins may import only: platform /),
    ]);
  });
});
