import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkloadState } from '../workloads/decide.js';
import { badge, type BadgeClass } from './html.js';

const classOf = (state: string) => /class="badge (\w+)"/.exec(badge(state).toString())?.[1];

describe('badge: each workload state in its colour', () => {
  const table: [WorkloadState, BadgeClass, string][] = [
    ['ready', 'good', 'it serves'],
    ['unready', 'bad', 'its process runs but it no longer answers: down, alerted'],
    ['exited', 'bad', 'it ended and stays down'],
    ['down', 'bad', 'an external workload whose check fails'],
    ['starting', 'warn', 'on its way up'],
    ['restarting', 'warn', 'on its way up again after a backoff'],
    ['deploying', 'warn', 'a planned restart on a new version'],
    ['reloading', 'warn', 'told to reload its certificate'],
    ['held', 'warn', 'an incident keeps it down on purpose'],
    ['stopped', 'neutral', 'serve does not run it'],
    ['external', 'neutral', 'not serve\'s to run'],
  ];
  for (const [state, cls, why] of table) it(`a ${state} workload is ${cls}: ${why}`, () => assert.equal(classOf(state), cls));

  it('other states keep their colour, and a name that is a property of every object is just neutral', () => {
    assert.equal(classOf('failed'), 'bad');
    assert.equal(classOf('succeeded'), 'good');
    assert.equal(classOf('proposed'), 'warn');
    assert.equal(classOf('constructor'), 'neutral');
  });
});
