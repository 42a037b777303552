// Lint rules, including DESIGN.md's layers as import restrictions: data flows down, never up. Each
// message says why and what to use instead, so an upward import fails `npm run lint` with advice.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const up = (layers, why) =>
  layers.map((l) => ({ group: [`**/${l}/*`, `**/${l}`, `../${l}/*`, `../../${l}/*`], message: why }));

const layer = (files, forbidden, why) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: up(forbidden, why) }] },
});

const k8s = {
  paths: [
    {
      name: '@kubernetes/client-node',
      message: 'Kubernetes code stays in src/platform/kubernetes and src/operator; go through a platform interface.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/out/**', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The plain-JavaScript entry scripts run on Node itself, before any TypeScript is loaded.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  layer(
    ['src/base/**'],
    ['storage', 'catalog', 'platform', 'backup', 'tls', 'sast', 'policy', 'playbook', 'recovery', 'cli', 'server', 'operator'],
    'base/ is the bottom layer: it imports nothing of Holdfast.',
  ),
  layer(
    ['src/storage/**', 'src/catalog/**', 'src/platform/**'],
    ['backup', 'tls', 'sast', 'policy', 'playbook', 'recovery', 'cli', 'server', 'operator'],
    'storage/, catalog/ and platform/ sit below the engines: pass what they need in as data or an interface.',
  ),
  {
    ...layer(
      ['src/backup/**', 'src/tls/**', 'src/sast/**', 'src/policy/**'],
      ['playbook', 'recovery', 'cli', 'server', 'operator'],
      'Engines never import the layers that drive them; return results and let cli/server/playbook decide.',
    ),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...k8s,
          patterns: up(
            ['playbook', 'recovery', 'cli', 'server', 'operator'],
            'Engines never import the layers that drive them; return results and let cli/server/playbook decide.',
          ),
        },
      ],
    },
  },
  layer(
    ['src/config/**'],
    ['cli', 'server', 'operator', 'playbook', 'recovery'],
    'config/ holds the schemas the drivers share; it must not depend on them.',
  ),
  {
    // Everything the control plane builds or passes itself to: scheduler/ holds nothing else.
    files: ['src/server/views/**', 'src/server/report/**', 'src/server/scheduler/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/control-plane.js', '../control-plane.js'],
              message:
                'Views and jobs take the narrow things they use (views/deps.ts, scheduler/deps.ts: catalog, clock, config slices), not the control plane, which builds the jobs and the health sweep that use them: the import would close a circle.',
            },
          ],
        },
      ],
    },
  },
  layer(
    ['src/playbook/**'],
    ['cli', 'server', 'operator'],
    'playbook/ is driven by cli/, server/ and operator/; it must not reach back into them.',
  ),
  layer(
    ['src/recovery/**'],
    ['cli', 'server', 'operator', 'playbook'],
    'recovery/ is driven by cli/, server/ and operator/; it must not reach back into them.',
  ),
);
