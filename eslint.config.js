// Linting for the whole repository: `npm run lint` (with `prettier --check`), and in CI after the type-check.
// Type-aware: typescript-eslint asks TypeScript itself (server/tests through ./tsconfig.json, the web app
// through web/tsconfig.json) so promises nobody waits for and code nobody uses are found across modules.
// Formatting is Prettier's alone: eslint-config-prettier (last) switches off every rule it would fight.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './web/svelte.config.js';

export default defineConfig(
  {
    // A disable comment that no longer silences anything is an error, so none outlives its reason.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    // Built, generated or third-party files: nothing of ours to lint.
    ignores: ['dist/', 'data/', 'bench/results/', 'migrations/', 'tests/fixtures/', 'node_modules/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  svelte.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // The two Vite configs are in neither tsconfig (each tsconfig covers one side of the app).
          allowDefaultProject: ['vite.config.ts', 'vite.embed-loader.config.ts', 'vite.ssr.config.ts'],
          defaultProject: 'tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    // Tests of the web's own modules are checked with the web's configuration (see tsconfig.json).
    files: ['tests/web.*.test.ts'],
    languageOptions: { parserOptions: { projectService: false, project: ['./web/tsconfig.json'], tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, svelteConfig },
    },
  },
  {
    rules: {
      // Unused code: variables, arguments, caught errors and imports.
      // Rest siblings are how a property is left out of a copy (`{ search: _, ...rest }`), so they
      // count as used; everything else unused is an error.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Fire-and-forget is allowed only when said out loud with `void` (and a comment why).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': 'error',
      // Off: Fastify plugins and hooks are async by contract (that is how Fastify knows they are done
      // without a `done` callback), so most of them rightly have no `await`; the rest implement
      // interfaces that return promises.
      '@typescript-eslint/require-await': 'off',
      // Off: our objects of functions (write scopes, the API client, the router, services) are
      // closures that never use `this`; the rule cannot tell them from methods and flagged only those.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // Off in tests: the test client answers `any` (JSON it does not type yet) and the tests assert
      // shapes field by field; the server and the web app keep these rules. Once the test client is
      // typed from the schemas (issue 20, item 4) they can come back on here too.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.svelte'],
    rules: {
      // TypeScript (svelte-check) already resolves every name in components, browser globals
      // included; typescript-eslint advises leaving no-undef off wherever TypeScript checks.
      'no-undef': 'off',
      // Off in components: typescript-eslint has no Svelte language service, so another component
      // (`bind:this`, its exports, its types) reaches it as `any` and these rules flag every use.
      // svelte-check type-checks components for real (npm run typecheck).
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    rules: {
      // Off: it asks for SvelteMap/SvelteSet for every `new Map`/`new Set` in reactive modules, but
      // ours are lookups built and read within one function (or a $derived rebuilt whole), never
      // state changed in place, where a reactive collection would only cost.
      'svelte/prefer-svelte-reactivity': 'off',
      // A string with an escape (a newline in a placeholder) can only be written as an expression.
      'svelte/no-useless-mustaches': ['error', { ignoreStringEscape: true }],
    },
  },
  {
    // Plain JavaScript config files: no TypeScript program covers them, so no type-aware rules (after
    // the rule settings above, which would switch them back on).
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
  svelte.configs.prettier,
);
