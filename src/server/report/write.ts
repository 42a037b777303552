/** Writes the review as review-<time>.md and .html (and review-latest.*) into a reports directory; "since" is the previous review's time. */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReview, toHtml, toMarkdown, type ReviewDeps } from './review.js';

export async function writeReview(
  cp: ReviewDeps & { dataDir: string },
  dir = join(cp.dataDir, 'reports'),
): Promise<{ markdown: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const previous = (await readdir(dir))
    .filter((f) => /^review-\d{8}T\d{6}Z\.md$/.test(f))
    .sort()
    .at(-1);
  const since = previous
    ? new Date(
        previous.replace(/^review-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.md$/, '$1-$2-$3T$4:$5:$6Z'),
      )
    : undefined;
  const review = await buildReview(cp, since);
  const stamp = review.generatedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const out = { markdown: join(dir, `review-${stamp}.md`), html: join(dir, `review-${stamp}.html`) };
  const markdown = toMarkdown(review);
  const html = toHtml(review);
  // Each file replaced whole: review-latest.* is what a reader (a browser, a script) opens while the next review is written.
  for (const [path, text] of [
    [out.markdown, markdown],
    [out.html, html],
    [join(dir, 'review-latest.md'), markdown],
    [join(dir, 'review-latest.html'), html],
  ] as const) {
    await writeFile(path + '.tmp', text);
    await rename(path + '.tmp', path);
  }
  return out;
}
