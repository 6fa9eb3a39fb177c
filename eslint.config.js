// Lint: typescript-eslint's type-checked rules, so floating promises and unsafe any are caught.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'test-output/**', 'coverage/**', 'tmp-scratch/**', 'dist/**', 'src/model/schema-validators.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The verification core (and the web verifier built on it) runs in browsers and other runtimes too: it reaches crypto, inflation and X.509 parsing
    // only through src/platform (node:crypto stays behind the Node implementation there).
    files: ['src/certificates/**/*.ts', 'src/model/**/*.ts', 'src/trust-list/**/*.ts', 'src/revocation/**/*.ts', 'src/verifier/**/*.ts', 'src/platform/**/*.ts', 'src/web/**/*.ts'],
    ignores: ['src/verifier/sync-client.ts', 'src/verifier/state-file.ts', 'src/verifier/prepared-state-file.ts', 'src/verifier/load-verifier.ts', 'src/platform/node-crypto-platform.ts'],
    rules: {
      // Browsers have no Buffer: an integrator's bundle of the core must work without a polyfill.
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'the verification core is runtime-neutral: use the byte helpers in src/model/bytes.ts instead of Buffer' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|(assert|buffer|child_process|crypto|dns|fs|http|https|net|os|path|stream|tls|url|util|worker_threads|zlib)(/.*)?$)',
              message: 'the verification core is runtime-neutral: use src/platform (crypto-platform.types.ts) instead of Node modules',
            },
          ],
        },
      ],
    },
  },
  {
    // The one module that may name Buffer: it uses Node's native codecs where present (speed) and falls back to portable code.
    files: ['src/model/bytes.ts'],
    rules: { 'no-restricted-globals': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
)
