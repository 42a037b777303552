/**
 * Exclude patterns, gitignore-like: `*` and `?` never cross a slash, `**` does; a pattern without
 * a slash matches a name at any depth; a leading slash anchors it at the backup root.
 */
export type ExcludeMatcher = (relPath: string) => boolean;

function toRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function excludeMatcher(patterns: readonly string[]): ExcludeMatcher {
  const rules = patterns.map((p) => {
    const anchored = p.startsWith('/');
    const body = p.replace(/^\//, '').replace(/\/$/, '');
    return { re: toRegex(body), byName: !anchored && !body.includes('/') };
  });
  if (rules.length === 0) return () => false;
  return (rel) => {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return rules.some((r) => r.re.test(r.byName ? name : rel));
  };
}
