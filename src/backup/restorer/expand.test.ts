import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tree, TreeNode } from '../snapshot/tree.js';
import { expand } from './expand.js';

const node = (name: string, subtree?: string): TreeNode => ({ name, type: subtree ? 'dir' : 'file', mode: 0o644, uid: 0, gid: 0, mtimeNs: '0', ...(subtree ? { subtree } : { size: 0, content: [] }) });

describe('expanding trees before a restore', () => {
  it('counts every path of a tree bomb while reading each tree once', async () => {
    // t0: 64 files; tN: 64 directories, each tN-1.
    const trees = new Map<string, Tree>([['t0', { nodes: Array.from({ length: 64 }, (_, i) => node(`f${i}`)) }]]);
    for (let l = 1; l <= 5; l++) trees.set(`t${l}`, { nodes: Array.from({ length: 64 }, (_, i) => node(`d${i}`, `t${l - 1}`)) });
    const loads: string[] = [];
    const e = await expand(async (id) => (loads.push(id), trees.get(id)!), 't5');
    assert.equal(e.entries, 64 + 64 ** 2 + 64 ** 3 + 64 ** 4 + 64 ** 5 + 64 ** 6);
    assert.deepEqual(loads.sort(), ['t0', 't1', 't2', 't3', 't4', 't5']);
    assert.deepEqual([...e.repeated].sort(), ['t0', 't1', 't2', 't3', 't4']);
  });

  it('counts an ordinary tree as its entries, with nothing repeated', async () => {
    const trees = new Map<string, Tree>([
      ['root', { nodes: [node('a', 'x'), node('b', 'y'), node('c')] }],
      ['x', { nodes: [node('1'), node('2')] }],
      ['y', { nodes: [] }],
    ]);
    const e = await expand(async (id) => trees.get(id)!, 'root');
    assert.equal(e.entries, 5);
    assert.equal(e.repeated.size, 0);
  });
});
