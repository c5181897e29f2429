import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', '.test-results/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // shared/ runs in the browser too: nothing Node-only.
    files: ['shared/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'shared/ must not use Node APIs' }] },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'shared/ must not use Node APIs' },
        { name: 'Buffer', message: 'shared/ must not use Node APIs' },
        { name: 'require', message: 'shared/ is ESM and runs in the browser' },
      ],
    },
  },
);
