// Lint rules, including the import boundaries of DESIGN.md: apps → libs; a domain lib reaches
// another lib only through its public index (`@danbao/<lib>`), never a deep or relative path;
// no app imports another app (what two apps share lives in a lib).
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS = [
  'platform',
  'money',
  'ledger',
  'channels',
  'orders',
  'checkout',
  'escrow',
  'disputes',
  'settlement',
  'notifications',
  'admins',
  'schema',
  'testing',
];

const APPS = ['api', 'worker'];

/** Libs each lib may import; anything else is a boundary violation. */
const ALLOWED = {
  money: [],
  // Money is pure (it imports nothing of the project): config refuses currencies it does not know.
  platform: ['money'],
  ledger: ['money', 'platform'],
  // Orders compose their own events (OrderEvents) and write them to the outbox.
  orders: ['money', 'platform', 'notifications'],
  // Payment channels and refunds through them; owns the channel:* and suspense:* postings.
  channels: ['money', 'ledger', 'platform', 'notifications'],
  // Checkout never posts to the ledger: escrow owns money entering escrow (issue 10, seam 2).
  // Channel notifications of payouts are applied by settlement.
  checkout: ['money', 'platform', 'orders', 'escrow', 'channels', 'settlement'],
  // A refund after release takes the money back from the seller through settlement.
  escrow: ['money', 'ledger', 'platform', 'orders', 'notifications', 'channels', 'settlement'],
  notifications: ['platform'],
  // Admins, their passwords and sign-in: nothing of the domain, only the platform (audit log, tokens).
  admins: ['platform'],
  // The list of every migration: the libs that own migrations, and nothing else.
  schema: [
    'platform',
    'ledger',
    'orders',
    'notifications',
    'escrow',
    'checkout',
    'channels',
    'admins',
    'disputes',
    'settlement',
  ],
  // Disputes move money only through escrow (freeze, unfreeze, resolve); they never post.
  disputes: ['money', 'platform', 'orders', 'escrow', 'notifications'],
  // Seller balances and payouts: posts seller:* moves, pays out through the channels, records payout.* events.
  settlement: ['money', 'ledger', 'platform', 'notifications', 'channels'],
  testing: LIBS.filter((lib) => lib !== 'testing'),
};

const deepImports = {
  group: ['@danbao/*/*', '**/libs/*/src/*', '../../libs/**', '../../../libs/**'],
  message: 'Import another lib only through its public index: @danbao/<lib>.',
};

function forbiddenLibs(lib, allowed) {
  const forbidden = LIBS.filter((other) => other !== lib && !allowed.includes(other));
  if (forbidden.length === 0) return [];
  const message = `libs/${lib} may import only: ${allowed.join(', ') || 'no other lib'} (DESIGN.md, Layout).`;
  return [{ group: forbidden.map((other) => `@danbao/${other}`), message }];
}

const boundaryBlock = (lib, allowed, files, ignores) => ({
  files,
  ...(ignores ? { ignores } : {}),
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          deepImports,
          ...forbiddenLibs(lib, allowed),
          { group: ['**/apps/**', '../../apps/**'], message: 'Libs never import apps.' },
        ],
      },
    ],
  },
});

/**
 * The repository path an import specifier names, if it names one: a relative path resolved
 * against the importing file, the `@/…` and bare `apps/…` forms (tsconfig's baseUrl is the
 * root), and `@danbao/<app>`. Packages give undefined.
 */
function repositoryPath(specifier, filename, cwd) {
  if (specifier.startsWith('.')) return path.relative(cwd, path.resolve(path.dirname(filename), specifier));
  if (specifier.startsWith('@/')) return specifier.slice(2);
  if (specifier.startsWith('apps/')) return specifier;
  const app = /^@danbao\/([^/]+)/.exec(specifier)?.[1];
  return app && APPS.includes(app) ? `apps/${app}` : undefined;
}

/** Calls `check` with the specifier node of every import, re-export, import() and require(). */
function importVisitors(check) {
  return {
    ImportDeclaration: (node) => check(node.source),
    ExportAllDeclaration: (node) => check(node.source),
    ExportNamedDeclaration: (node) => check(node.source),
    ImportExpression: (node) => check(node.source),
    TSExternalModuleReference: (node) => check(node.expression),
    CallExpression: (node) => {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require') check(node.arguments[0]);
    },
  };
}

/**
 * No app imports another, in any spelling. `no-restricted-imports` matches the specifier as
 * written and cannot tell `../../worker/…` leaving apps/api from a folder of the api's own, so
 * this rule resolves the specifier against the importing file first.
 */
const noCrossAppImports = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { crossApp: 'apps/{{from}} may not import apps/{{to}}: move what both need into a lib.' },
  },
  create(context) {
    const cwd = context.cwd;
    const from = /^apps\/([^/]+)\//.exec(path.relative(cwd, context.filename).split(path.sep).join('/'))?.[1];
    if (!from) return {};
    const check = (source) => {
      if (!source || typeof source.value !== 'string') return;
      const target = repositoryPath(source.value, context.filename, cwd)?.split(path.sep).join('/');
      const to = target && /^apps\/([^/]+)/.exec(target)?.[1];
      if (to && to !== from) context.report({ node: source, messageId: 'crossApp', data: { from, to } });
    };
    return importVisitors(check);
  },
};

/**
 * A lib reaches another only through `@danbao/<lib>`: a relative path that resolves into another
 * lib (`../../ledger/src/…` from libs/escrow/src) is refused, at any depth, which the
 * specifier patterns of `deepImports` cannot see.
 */
const noRelativeImportsAcrossLibs = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { acrossLibs: 'Import another lib only through its public index: @danbao/{{to}}.' },
  },
  create(context) {
    const cwd = context.cwd;
    const relative = path.relative(cwd, context.filename).split(path.sep).join('/');
    const from = /^libs\/([^/]+)\//.exec(relative)?.[1];
    if (!from) return {};
    const check = (source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = repositoryPath(source.value, context.filename, cwd)?.split(path.sep).join('/');
      const to = target && /^libs\/([^/]+)/.exec(target)?.[1];
      if (to && to !== from) context.report({ node: source, messageId: 'acrossLibs', data: { to } });
    };
    return importVisitors(check);
  },
};

// A lib's own tests may also use the shared test helpers (@danbao/testing: database per file, ...).
const testFiles = (lib) => [`libs/${lib}/**/*.spec.ts`, `libs/${lib}/**/*.int-spec.ts`];
const libBlocks = Object.entries(ALLOWED).flatMap(([lib, allowed]) => [
  boundaryBlock(lib, allowed, [`libs/${lib}/**/*.ts`], testFiles(lib)),
  boundaryBlock(lib, lib === 'testing' ? allowed : [...allowed, 'testing'], testFiles(lib)),
]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    plugins: {
      danbao: {
        rules: {
          'no-cross-app-imports': noCrossAppImports,
          'no-relative-imports-across-libs': noRelativeImportsAcrossLibs,
        },
      },
    },
  },
  { files: ['apps/**/*.ts'], rules: { 'danbao/no-cross-app-imports': 'error' } },
  { files: ['libs/**/*.ts'], rules: { 'danbao/no-relative-imports-across-libs': 'error' } },
  {
    files: ['apps/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [deepImports, { group: ['@danbao/testing'], message: 'Apps never import test helpers.' }],
        },
      ],
    },
  },
  ...libBlocks,
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
