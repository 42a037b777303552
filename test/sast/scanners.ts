/**
 * Real scanners for the SAST tests, installed by scripts/prepare/20-scanners.sh under
 * ~/.cache/holdfast. A missing scanner FAILS the test (never skips): run the prepare script.
 * Each scan runs on a fresh copy of a fixture app in a temporary checkout, so tests can move code
 * around and scan again.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = join(homedir(), '.cache', 'holdfast');
export const fixtures = new URL('../fixtures/sast/', import.meta.url).pathname;

function need(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is not installed at ${path}: run scripts/prepare/20-scanners.sh`);
  return path;
}

export const tools = {
  bandit: () => need(join(cache, 'venv', 'bin', 'bandit'), 'Bandit'),
  semgrep: () => need(join(cache, 'venv', 'bin', 'semgrep'), 'Semgrep'),
  eslintPrefix: () => need(join(cache, 'npm-scanners', 'node_modules'), 'ESLint and its SARIF formatter'),
};

/** A temporary checkout holding a copy of one fixture app. */
export class Checkout {
  readonly root: string;
  constructor(app: 'py-notes' | 'js-notes') {
    this.root = mkdtempSync(join(tmpdir(), `holdfast-${app}-`));
    cpSync(join(fixtures, 'apps', app), this.root, { recursive: true });
  }
  read(file: string): string {
    return readFileSync(join(this.root, file), 'utf8');
  }
  write(file: string, text: string): void {
    writeFileSync(join(this.root, file), text);
  }
  remove(file: string): void {
    rmSync(join(this.root, file));
  }
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], cwd: string, okCodes: number[]): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, SEMGREP_SEND_METRICS: 'off' } });
  if (r.error) throw r.error;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
}

/** Bandit exits 1 when it finds something: that is success here. */
export function bandit(c: Checkout): Buffer {
  run(tools.bandit(), ['-q', '-r', '.', '-f', 'sarif', '-o', 'bandit.sarif'], c.root, [0, 1]);
  return readFileSync(join(c.root, 'bandit.sarif'));
}

/** Semgrep with the local rules file (the registry is unreachable), copied in so rule ids do not depend on where the repository is. */
export function semgrep(c: Checkout): Buffer {
  cpSync(join(fixtures, 'semgrep-rules.yml'), join(c.root, 'rules.yml'));
  run(tools.semgrep(), ['scan', '--config', 'rules.yml', '--sarif', '--metrics=off', '--disable-version-check', '-q', '-o', 'semgrep.sarif', '--exclude', 'rules.yml', '.'], c.root, [0, 1]);
  return readFileSync(join(c.root, 'semgrep.sarif'));
}

/** ESLint 9 with eslint-plugin-security and @microsoft/eslint-formatter-sarif (absolute file:/// URIs). */
export function eslint(c: Checkout): Buffer {
  const p = tools.eslintPrefix();
  writeFileSync(
    join(c.root, 'eslint.config.mjs'),
    `import security from ${JSON.stringify(join(p, 'eslint-plugin-security', 'index.js'))};
export default [{ files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' }, plugins: { security },
  rules: { ...security.configs.recommended.rules, 'no-eval': 'error' } }];\n`,
  );
  run(join(p, '.bin', 'eslint'), ['-c', 'eslint.config.mjs', '-f', join(p, '@microsoft', 'eslint-formatter-sarif', 'sarif.js'), '-o', 'eslint.sarif', '.'], c.root, [0, 1]);
  return readFileSync(join(c.root, 'eslint.sarif'));
}
