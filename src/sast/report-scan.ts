/**
 * One pass over a report's bytes that finds its skeleton (the log object, the runs array, each run
 * object, each run's results array) and the byte span of every other value, so the report is
 * parsed a piece at a time: a run's members whole (they are small), its results one by one, as
 * normalisation reaches them. The whole object tree of a 200k-result report (hundreds of MiB)
 * never exists.
 *
 * The same pass refuses what JSON.parse lets through silently and a report must not, naming the
 * byte offset: a key given twice in one object (JSON.parse keeps the last, so a second
 * "level": "note" quietly turns an error into a note), a lone surrogate escape such as "\ud800"
 * (it cannot be stored as UTF-8), nesting deeper than any SARIF needs, and brackets that do not
 * match. The skeleton's own grammar is checked here; inside a span, JSON.parse checks it.
 */
import { invalidInput } from '../base/errors.js';

export const maxDepth = 256;

/** [start, end) of one value in the report. */
export interface Span {
  start: number;
  end: number;
}

export interface RunSpans {
  /** Where the run object starts. */
  at: number;
  /** Every member but a results array, by key. */
  members: Map<string, Span>;
  /** The results array's elements, as [start0, end0, start1, end1, ...]; undefined when there is no results array. */
  results: number[] | undefined;
}

export interface ReportSpans {
  members: Map<string, Span>;
  /** undefined when "runs" is absent or not an array (then it is in `members`). */
  runs: (RunSpans | Span)[] | undefined;
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export function scanReport(b: Buffer, name: string): ReportSpans {
  return new Scanner(b, name).report();
}

class Scanner {
  private i: number;

  constructor(
    private readonly b: Buffer,
    private readonly name: string,
  ) {
    this.i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  }

  private fail(code: string, what: string): never {
    throw invalidInput(code, `ingest report ${this.name}: ${what}`);
  }

  private notJson(what: string): never {
    return this.fail('REPORT_NOT_JSON', `not JSON (${what} at byte ${this.i})`);
  }

  private ws(): number {
    const b = this.b;
    while (this.i < b.length && isWs(b[this.i]!)) this.i++;
    return this.i < b.length ? b[this.i]! : -1;
  }

  private expect(c: number, what: string): void {
    if (this.ws() !== c) this.notJson(this.i >= this.b.length ? `the report ends where ${what} was expected` : `${what} expected`);
    this.i++;
  }

  report(): ReportSpans {
    const c = this.ws();
    if (c === -1) this.notJson('nothing but whitespace');
    if (c !== 0x7b) {
      // Not an object: JSON that is not SARIF, or not JSON at all.
      parseSpan(this.b, this.value(1), this.name);
      if (this.ws() !== -1) this.notJson('more after the end of the value');
      this.fail('REPORT_NOT_SARIF', 'not a SARIF log (the top level is not an object)');
    }
    const out: ReportSpans = { members: new Map(), runs: undefined };
    this.object(1, (key, depth) => {
      if (key === 'runs' && this.b[this.i] === 0x5b) out.runs = this.runs(depth);
      else out.members.set(key, this.value(depth));
    });
    if (this.ws() !== -1) this.notJson('more after the end of the log');
    return out;
  }

  private runs(depth: number): (RunSpans | Span)[] {
    const runs: (RunSpans | Span)[] = [];
    this.array(depth, (d) => runs.push(this.b[this.i] === 0x7b ? this.run(d) : this.value(d)));
    return runs;
  }

  private run(depth: number): RunSpans {
    const r: RunSpans = { at: this.i, members: new Map(), results: undefined };
    this.object(depth, (key, d) => {
      if (key === 'results' && this.b[this.i] === 0x5b) {
        const spans: number[] = [];
        this.array(d, (e) => {
          const s = this.value(e);
          spans.push(s.start, s.end);
        });
        r.results = spans;
      } else r.members.set(key, this.value(d));
    });
    return r;
  }

  /** A skeleton object opened at `i`; `member` consumes each member's value (at `i`, whitespace skipped). */
  private object(depth: number, member: (key: string, depth: number) => void): void {
    if (depth > maxDepth) this.tooDeep();
    const at = this.i;
    this.i++;
    const keys = new Set<string>();
    if (this.ws() === 0x7d) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.ws() !== 0x22) this.notJson('a key expected');
      const key = this.key(keys, at);
      this.expect(0x3a, '":"');
      if (this.ws() === -1) this.notJson('the report ends where a value was expected');
      member(key, depth + 1);
      const c = this.ws();
      this.i++;
      if (c === 0x7d) return;
      if (c !== 0x2c) {
        this.i--;
        this.notJson(c === -1 ? 'the report ends where "," or "}" was expected' : '"," or "}" expected');
      }
    }
  }

  private array(depth: number, element: (depth: number) => void): void {
    if (depth > maxDepth) this.tooDeep();
    this.i++;
    if (this.ws() === 0x5d) {
      this.i++;
      return;
    }
    for (;;) {
      if (this.ws() === -1) this.notJson('the report ends where a value was expected');
      element(depth + 1);
      const c = this.ws();
      this.i++;
      if (c === 0x5d) return;
      if (c !== 0x2c) {
        this.i--;
        this.notJson(c === -1 ? 'the report ends where "," or "]" was expected' : '"," or "]" expected');
      }
    }
  }

  private tooDeep(): never {
    return this.fail('REPORT_TOO_DEEP', `nested deeper than ${maxDepth} levels at byte ${this.i}`);
  }

  /** The key string at `i` (decoded), refused when `keys` (of the object opened at `at`) has it. */
  private key(keys: Set<string>, at: number): string {
    const b = this.b;
    const open = this.i;
    const end = this.stringEnd(open);
    const escaped = this.checkString(open, end);
    const key = escaped ? (JSON.parse(b.toString('utf8', open, end + 1)) as string) : b.toString('utf8', open + 1, end);
    if (keys.has(key)) this.fail('REPORT_DUPLICATE_KEY', `duplicate key ${JSON.stringify(key.slice(0, 80))} at byte ${open} (in the object opened at byte ${at}); refused, as JSON.parse would silently keep only the last`);
    keys.add(key);
    this.i = end + 1;
    return key;
  }

  /**
   * Skips one value (at `i`, nested at `depth`) and returns its span, checking keys, escapes,
   * depth and bracket matching on the way. What else makes it invalid JSON is JSON.parse's to find.
   */
  private value(depth: number): Span {
    const b = this.b;
    const start = this.i;
    const c0 = b[start]!;
    if (c0 === 0x22) {
      const end = this.stringEnd(start);
      this.checkString(start, end);
      this.i = end + 1;
      return { start, end: end + 1 };
    }
    if (c0 !== 0x7b && c0 !== 0x5b) {
      // A number or a literal: up to the next delimiter.
      let j = start;
      while (j < b.length) {
        const c = b[j]!;
        if (c === 0x2c || c === 0x7d || c === 0x5d || isWs(c)) break;
        j++;
      }
      this.i = j;
      return { start, end: j };
    }
    // A container: a stack of its open objects' key sets (undefined for arrays).
    const stack: { keys: Set<string> | undefined; at: number; expectKey: boolean }[] = [];
    for (let i = start; i < b.length; i++) {
      const c = b[i]!;
      if (c === 0x22) {
        const end = this.stringEnd(i);
        const escaped = this.checkString(i, end);
        const top = stack[stack.length - 1]!;
        if (top.keys && top.expectKey) {
          const key = escaped ? (JSON.parse(b.toString('utf8', i, end + 1)) as string) : b.toString('utf8', i + 1, end);
          if (top.keys.has(key)) this.fail('REPORT_DUPLICATE_KEY', `duplicate key ${JSON.stringify(key.slice(0, 80))} at byte ${i} (in the object opened at byte ${top.at}); refused, as JSON.parse would silently keep only the last`);
          top.keys.add(key);
          top.expectKey = false;
        }
        i = end;
      } else if (c === 0x7b || c === 0x5b) {
        if (depth + stack.length > maxDepth) {
          this.i = i;
          this.tooDeep();
        }
        stack.push({ keys: c === 0x7b ? new Set() : undefined, at: i, expectKey: c === 0x7b });
      } else if (c === 0x7d || c === 0x5d) {
        const top = stack.pop();
        if (!top || (c === 0x7d) !== !!top.keys) {
          this.i = i;
          this.notJson(`"${String.fromCharCode(c)}" does not close the bracket opened at byte ${top?.at ?? start}`);
        }
        if (stack.length === 0) {
          this.i = i + 1;
          return { start, end: i + 1 };
        }
      } else if (c === 0x2c) {
        const top = stack[stack.length - 1]!;
        if (top.keys) top.expectKey = true;
      }
    }
    this.i = b.length;
    return this.notJson('the report ends inside a value');
  }

  /** The index of the quote closing the string opened at `open`. */
  private stringEnd(open: number): number {
    const b = this.b;
    for (let j = open + 1; ; ) {
      const q = b.indexOf(0x22, j);
      if (q < 0) {
        this.i = b.length;
        this.notJson(`the report ends inside the string opened at byte ${open}`);
      }
      let slashes = 0;
      for (let k = q - 1; k > open && b[k] === 0x5c; k--) slashes++;
      if (slashes % 2 === 0) return q;
      j = q + 1;
    }
  }

  /** Refuses a lone surrogate escape in the string [open, end]; whether it has any escape. */
  private checkString(open: number, end: number): boolean {
    const b = this.b;
    // Only this string's bytes: searching on to the end of the buffer made every string cost the
    // rest of the report (quadratic in a report without backslashes).
    let i = open + 1;
    while (i < end && b[i] !== 0x5c) i++;
    if (i >= end) return false;
    const hex = (at: number) => parseInt(b.toString('latin1', at, at + 4), 16);
    for (; i < end; i++) {
      if (b[i] !== 0x5c) continue;
      if (b[i + 1] !== 0x75) {
        i++; // \" \\ \n ...: skip the escaped character
        continue;
      }
      const u = hex(i + 2);
      if (u >= 0xd800 && u <= 0xdbff && b[i + 6] === 0x5c && b[i + 7] === 0x75) {
        const low = hex(i + 8);
        if (low >= 0xdc00 && low <= 0xdfff) {
          i += 11;
          continue;
        }
      }
      if (u >= 0xd800 && u <= 0xdfff) this.fail('REPORT_LONE_SURROGATE', `lone surrogate escape \\u${b.toString('latin1', i + 2, i + 6)} at byte ${i}: not a character, and not storable as UTF-8`);
      i += 5;
    }
    return true;
  }
}

/** Parses the value at `s`, refusing invalid JSON with the byte offset where JSON.parse stopped. */
export function parseSpan(b: Buffer, s: Span, name: string): unknown {
  const text = b.toString('utf8', s.start, s.end);
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(why);
    const at = pos ? s.start + Buffer.byteLength(text.slice(0, Number(pos[1]))) : s.start;
    throw invalidInput('REPORT_NOT_JSON', `ingest report ${name}: not JSON (${why.replace(/\s+/g, ' ').replace(/ at position \d+.*$/, '').slice(0, 120)} at byte ${at})`, e);
  }
}
