// Lint rules, including the import boundaries of DESIGN.md: apps → libs; a domain lib reaches
// another lib only through its public index (`@danbao/<lib>`), never a deep or relative path.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS = [
  'platform',
  'money',
  'ledger',
  'orders',
  'checkout',
  'escrow',
  'disputes',
  'settlement',
  'notifications',
  'testing',
];

/** Libs each lib may import; anything else is a boundary violation. */
const ALLOWED = {
  money: ['platform'],
  platform: [],
  ledger: ['money', 'platform'],
  // Orders compose their own events (OrderEvents) and write them to the outbox.
  orders: ['money', 'platform', 'notifications'],
  // Checkout never posts to the ledger: escrow owns money entering escrow (issue 10, seam 2).
  checkout: ['money', 'platform', 'orders', 'escrow'],
  escrow: ['money', 'ledger', 'platform', 'orders', 'notifications'],
  notifications: ['platform'],
  disputes: ['money', 'ledger', 'platform', 'orders', 'escrow', 'notifications'],
  settlement: ['money', 'ledger', 'platform'],
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
