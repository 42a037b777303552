/**
 * `list` with the items that `isApart` picks spread evenly through the others, in their order: the
 * k-th of n comes before the other item at about (k + 0.5) / n of the way. scripts/test.mjs uses it
 * so that test files that wait on the same lock do not sit next to each other in the runner's queue.
 */
export function spreadOut(list, isApart) {
  const apart = list.filter(isApart);
  const rest = list.filter((f) => !isApart(f));
  const out = [];
  let next = 0;
  rest.forEach((f, i) => {
    while (next < apart.length && i >= Math.floor(((next + 0.5) * rest.length) / apart.length)) out.push(apart[next++]);
    out.push(f);
  });
  return [...out, ...apart.slice(next)];
}
