/**
 * Identity without the checkout: real Bandit, Semgrep and ESLint output ingested with NO source
 * root, across the edits code goes through between two scans (lines inserted above, a result's
 * code deleted, a block moved). Each finding must keep its identity wherever the report itself
 * tells it apart, and a dismissal must stay on the code it was made for.
 *
 * Each app gets three copies of one flagged call (`pickle.loads(blob)`, `fs.readFileSync(dir +
 * name)`) in three functions: the scanners report them with the same rule, message and snippet,
 * so only their place, their context lines (Bandit's contextRegion) and their neighbours among
 * the results tell them apart. The dismissal is on the last copy, the one an identity by order
 * would move.
 *
 * Findings are followed by the function their line is in (the checkout is read by the test only,
 * never given to the ingest).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempCatalog } from '../../src/catalog/testing.js';
import { ManualClock } from '../../src/platform/clock.js';
import { dismissFinding, ingestBytes } from '../../src/sast/index.js';
import { Checkout, bandit, eslint, semgrep } from './scanners.js';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const c1 = '1'.repeat(40);
const c2 = '2'.repeat(40);

interface App {
  app: 'py-notes' | 'js-notes';
  file: string;
  /** Appended to the app: two more copies of a flagged call, a different finding between them. */
  extra: string;
  /** The copied call's rule, per scanner. */
  copyRule: Record<string, string>;
  /** What starts a function, and its name. */
  fn: RegExp;
  /** Removes one function (and the blank lines after it). */
  remove(text: string, name: string): string;
}

const blockRe = (a: App, name: string) => new RegExp(a.app === 'py-notes' ? `def ${name}\\([\\s\\S]*?\\n\\n\\n` : `function ${name}\\([\\s\\S]*?\\n}\\n\\n`);
const py: App = {
  app: 'py-notes',
  file: 'notes.py',
  extra: '\n\ndef restore_draft(blob):\n    return pickle.loads(blob)\n\n\ndef run_hook(name):\n    return subprocess.check_output("hook " + name, shell=True)\n\n\ndef restore_cache(blob):\n    return pickle.loads(blob)\n\n\n',
  copyRule: { Bandit: 'B301', Semgrep: 'python-pickle-loads' },
  fn: /^def (\w+)/,
  remove: (text, name) => text.replace(blockRe(py, name), ''),
};
const js: App = {
  app: 'js-notes',
  file: 'server.js',
  extra: "\nfunction readDraft(name) {\n  return fs.readFileSync('/srv/drafts/' + name, 'utf8');\n}\n\nfunction hook(name) {\n  return childProcess.exec('hook ' + name);\n}\n\nfunction readCache(name) {\n  return fs.readFileSync('/srv/cache/' + name, 'utf8');\n}\n\n",
  copyRule: { ESLint: 'security/detect-non-literal-fs-filename' },
  fn: /^function (\w+)/,
  remove: (text, name) => text.replace(blockRe(js, name), ''),
};

/**
 * What the identity alone cannot follow (a renamed file; copies told apart by order only, as
 * Semgrep's and ESLint's are; Bandit's first copy deleted or another moved above it) is matched
 * against the previous scan's findings (src/sast/match.ts). One edit is left out for Semgrep and
 * ESLint: a copy moved above another with no other result between them. Their reports before and
 * after say only "three identical results, lines shifted": which copy moved is not in them.
 */
const allEdits = [
  'three lines inserted above everything',
  'the middle copy deleted',
  'the first copy deleted',
  'the last copy moved above the first',
  'the command-injection function moved to the end',
  'the file renamed',
];
const withoutQuotedLines = allEdits.filter((e) => e !== 'the last copy moved above the first');
const scanners = [
  { tool: 'Bandit', app: py, scan: bandit, edits: allEdits },
  { tool: 'Semgrep', app: py, scan: semgrep, edits: withoutQuotedLines },
  { tool: 'ESLint', app: js, scan: eslint, edits: withoutQuotedLines },
];

/** Names of the copies, in file order: the first is the app's own. */
const copies = (a: App) => (a.app === 'py-notes' ? ['restore_session', 'restore_draft', 'restore_cache'] : ['readNote', 'readDraft', 'readCache']);

interface Edit {
  name: string;
  apply(a: App, co: Checkout): void;
  /** Functions whose findings the edit removes. */
  gone(a: App): string[];
  /** The file's name after the edit, when it renames it. */
  file?(a: App): string;
}

const renamed = (a: App) => a.file.replace(/\.(py|js)$/, '_v2.$1');

const edits: Edit[] = [
  { name: 'three lines inserted above everything', apply: (a, co) => co.write(a.file, (a.app === 'py-notes' ? '# Acme\n# fixture\n\n' : '// Acme\n// fixture\n\n') + co.read(a.file)), gone: () => [] },
  { name: 'the middle copy deleted', apply: (a, co) => co.write(a.file, a.remove(co.read(a.file), copies(a)[1]!)), gone: (a) => [copies(a)[1]!] },
  { name: 'the first copy deleted', apply: (a, co) => co.write(a.file, a.remove(co.read(a.file), copies(a)[0]!)), gone: (a) => [copies(a)[0]!] },
  {
    name: 'the last copy moved above the first',
    apply: (a, co) => {
      const text = co.read(a.file);
      const block = blockRe(a, copies(a)[2]!).exec(text)![0];
      const rest = text.replace(block, '');
      const first = rest.search(new RegExp(a.app === 'py-notes' ? `def ${copies(a)[0]}\\(` : `function ${copies(a)[0]}\\(`));
      co.write(a.file, rest.slice(0, first) + block + rest.slice(first));
    },
    gone: () => [],
  },
  {
    name: 'the command-injection function moved to the end',
    apply: (a, co) => {
      const text = co.read(a.file);
      const name = a.app === 'py-notes' ? 'export_notes' : 'exportNotes';
      const block = blockRe(a, name).exec(text)![0];
      co.write(a.file, text.replace(block, '') + '\n' + block);
    },
    gone: () => [],
  },
  {
    name: 'the file renamed',
    apply: (a, co) => {
      co.write(renamed(a), co.read(a.file));
      co.remove(a.file);
    },
    gone: () => [],
    file: renamed,
  },
];

/** The function a line is in: what a finding is about, wherever the line moves. */
function functionAt(co: Checkout, a: App, file: string, line: number | undefined): string {
  const lines = co.read(file).split('\n');
  for (let i = (line ?? 1) - 1; i >= 0; i--) {
    const m = a.fn.exec(lines[i]!);
    if (m) return m[1]!;
  }
  return '(top)';
}

for (const s of scanners) {
  // The first report is the same for every edit: scanned once.
  let base: Buffer | undefined;
  for (const e of edits.filter((x) => s.edits.includes(x.name))) {
    test(`${s.tool}, no checkout: ${e.name} keeps every identity and the dismissal on its copy`, () => {
      const t = tempCatalog();
      const co = new Checkout(s.app.app);
      try {
        co.write(s.app.file, co.read(s.app.file) + s.app.extra);
        const ingest = (commit: string, day: number) =>
          ingestBytes(day === 1 ? (base ??= s.scan(co)) : s.scan(co), { repository: 'github.com/acme/notes', commit, ref: 'main', scanTime: new Date(Date.UTC(2026, 0, day)) }, { catalog: t.catalog, clock, name: `${s.tool}.sarif` }).scans[0]!;
        // What each finding is about: its rule and the function its line is in.
        const about = (file: string) => {
          const m = new Map<string, string>();
          for (const f of t.catalog.sast.listFindings({ tool: first.tool })) if (f.state !== 'fixed') m.set(`${f.ruleId} in ${functionAt(co, s.app, file, f.startLine)}`, f.id);
          return m;
        };
        const first = ingest(c1, 1);
        const before = about(s.app.file);
        const rule = s.app.copyRule[s.tool]!;
        for (const c of copies(s.app)) assert.ok(before.has(`${rule} in ${c}`), `${s.tool} flags the copy in ${c} (found: ${[...before.keys()].join(', ')})`);
        assert.equal(before.size, first.new, 'one finding per rule and function');
        const dismissed = before.get(`${rule} in ${copies(s.app)[2]}`)!;
        dismissFinding(t.catalog, clock, { id: dismissed, reason: 'false-positive', actor: 'test' });

        e.apply(s.app, co);
        const next = ingest(c2, 2);
        const gone = [...before.keys()].filter((k) => e.gone(s.app).some((g) => k.endsWith(` in ${g}`)));
        assert.deepEqual({ new: next.new, fixed: next.fixed }, { new: 0, fixed: gone.length }, 'nothing new, only the deleted code fixed');
        const file = e.file?.(s.app) ?? s.app.file;
        const after = about(file);
        for (const [k, id] of before) if (!gone.includes(k)) assert.equal(after.get(k), id, `the finding for ${k} kept its identity`);
        const d = t.catalog.sast.getFinding(dismissed)!;
        assert.equal(d.state, 'dismissed');
        assert.equal(functionAt(co, s.app, file, d.startLine), copies(s.app)[2], 'the dismissal is still on the copy it was made for');
        assert.equal(d.path, file, 'the finding is where its code is now');
      } finally {
        co.dispose();
        t.dispose();
      }
    });
  }
}
