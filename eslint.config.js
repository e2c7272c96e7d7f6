import tseslint from 'typescript-eslint';
import layers from './scripts/eslint-layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'use a union type' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Command methods are installed on prototypes from the command table at load time; a
      // class merged with an interface that extends the mapped command types is how they are typed.
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Layers (docs/ARCHITECTURE.md): the table of rooms and what each may import is in
    // scripts/eslint-layers.js; the rule looks only at packages/leanredis/src and packages/cli.
    plugins: { leanredis: layers },
    rules: { 'leanredis/layers': 'error' },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
