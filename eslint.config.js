// Lint: TypeScript rules, no import cycles, and the dependency direction of DESIGN.md:
// libs/compare (pure) <- libs/codec <- libs/store, libs/kafka <- services/*. No service imports
// another service; nothing reaches into another package's src/ (use its barrel, `@shadowdiff/x`).
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ALL = ['vocabulary', 'errors', 'compare', 'codec', 'config', 'store', 'kafka', 'metrics', 'client', 'infra', 'testing', 'joiner', 'api', 'cli'];

/** What each package may import from @shadowdiff/*; anything else is a lint error. */
const ALLOWED = {
  'libs/vocabulary': [],
  'libs/errors': [],
  'libs/compare': ['vocabulary', 'errors'],
  'libs/config': ['vocabulary', 'errors', 'compare'],
  'libs/codec': ['vocabulary', 'errors', 'compare'],
  'libs/metrics': ['vocabulary', 'errors'],
  'libs/store': ['vocabulary', 'errors', 'compare', 'codec'],
  'libs/kafka': ['vocabulary', 'errors', 'compare', 'codec'],
  'libs/client': ['vocabulary', 'errors', 'store', 'kafka'],
  infra: [],
  test: ['vocabulary', 'infra', 'kafka', 'compare', 'store'],
  'services/joiner': ['vocabulary', 'errors', 'compare', 'codec', 'config', 'store', 'kafka', 'metrics'],
  'services/api': ['vocabulary', 'errors', 'compare', 'config', 'store', 'kafka'],
  'services/cli': ['vocabulary', 'errors', 'compare', 'config', 'store', 'kafka', 'infra'],
};

const deepImports = {
  group: ['@shadowdiff/*/*', '**/libs/*/src/**', '**/services/*/src/**', '**/infra/src/**'],
  message: "Import another package through its barrel ('@shadowdiff/<name>'), never its files.",
};

const boundaries = Object.entries(ALLOWED).map(([dir, allowed]) => ({
  files: [`${dir}/src/**/*.ts`, `${dir}/helpers/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          deepImports,
          {
            group: ALL.filter((p) => !allowed.includes(p) && !dir.endsWith(p) && !(dir === 'test' && p === 'testing')).map(
              (p) => `@shadowdiff/${p}`,
            ),
            message: `${dir} may import only ${allowed.length ? allowed.map((a) => `@shadowdiff/${a}`).join(', ') : 'no @shadowdiff package'} (see eslint.config.js and docs/architecture.md).`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.work/**', '.nx/**', 'dist/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/extensions': ['.ts', '.js'],
      // Workspace packages resolve through node_modules symlinks to their `main` (src/index.ts).
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'import/no-cycle': 'error',
      'import/no-unresolved': ['error', { ignore: ['^vitest/config$', '^node:', '^typescript-eslint$'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  ...boundaries,
  {
    // The dashboard runs in the browser, as plain modules.
    files: ['services/api/src/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Tests may import any package (they drive services in-process), never another package's files.
    files: ['**/*.test.ts', 'test/e2e/**/*.ts', 'bench/**/*.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepImports] }] },
  },
);
