/**
 * The image runs `npm prune --omit=dev` (Dockerfile): a package the shipped code imports at run time
 * but package.json lists under devDependencies is missing there, and the command that reaches it
 * exits 70 with ERR_MODULE_NOT_FOUND (it happened: `holdfast operator run` and zod-to-json-schema).
 * This walks every module the build ships that `holdfast` can reach from src/cli/main.ts (static
 * imports, re-exports, `import()` of a literal, worker entry points) and checks each bare package
 * against `dependencies`. Type-only imports are erased by tsc and do not count. It reads the sources
 * with the TypeScript parser, so it costs well under a second and needs no registry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const builtins = new Set(builtinModules);

/**
 * The specifiers a module loads when it runs: value imports and re-exports, `import('literal')`, and
 * worker entries started as `startWorker(import.meta.url, 'name')` or `new URL('./x.js', import.meta.url)`.
 */
function runtimeImports(source: ts.SourceFile): string[] {
  const out: string[] = [];
  const literal = (n: ts.Node | undefined) => (n && ts.isStringLiteralLike(n) ? n.text : undefined);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push(literal(node.moduleSpecifier)!);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      out.push(literal(node.moduleSpecifier)!);
    } else if (ts.isCallExpression(node)) {
      const [first, second] = node.arguments;
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword && literal(first)) out.push(literal(first)!);
      if (ts.isIdentifier(node.expression) && node.expression.text === 'startWorker' && literal(second)) out.push(`./${literal(second)}.js`);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
      const [first, second] = node.arguments ?? [];
      if (literal(first)?.startsWith('./') && second?.getText(source) === 'import.meta.url') out.push(literal(first)!);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}
/** Files tsconfig.build.json leaves out of dist/: the image has no such file to load. */
const notShipped = (file: string) => /\.test\.ts$/.test(file) || /(^|\/)testing[^/]*\.ts$/.test(file);

interface Finding {
  from: string;
  spec: string;
}

/** Every bare specifier and every unshipped local file reachable from `entry`. */
function walk(entry: string): { bare: Finding[]; unshipped: Finding[]; files: number } {
  const seen = new Set<string>();
  const bare: Finding[] = [];
  const unshipped: Finding[] = [];
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const from = relative(root, file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const spec of runtimeImports(source)) {
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      if (!spec.startsWith('.')) {
        bare.push({ from, spec });
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) continue; // JSON or assets; tsc would have failed on a missing module
      if (notShipped(relative(root, target))) unshipped.push({ from, spec });
      else queue.push(target);
    }
  }
  return { bare, unshipped, files: seen.size };
}

describe('the runtime image has every package the shipped code imports', () => {
  const result = walk(join(root, 'src', 'cli', 'main.ts'));

  it('reaches the operator and the data mover from the CLI entry point', () => {
    // A walk that stopped early would pass vacuously; these are the modules the image runs.
    assert.ok(result.files > 100, `only ${result.files} modules reached`);
  });

  it('imports no package that `npm prune --omit=dev` removes', () => {
    const missing = result.bare.filter((f) => !(packageName(f.spec) in pkg.dependencies));
    assert.deepEqual(
      missing.map((f) => `${f.from} imports ${f.spec}, which is not in package.json dependencies`),
      [],
    );
  });

  it('imports no file the build leaves out (tests, testing helpers)', () => {
    assert.deepEqual(
      result.unshipped.map((f) => `${f.from} imports ${f.spec}, which tsconfig.build.json does not ship`),
      [],
    );
  });
});
