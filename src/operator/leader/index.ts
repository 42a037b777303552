/** operator/leader: leader election on a Lease (decision in decide.ts, the loop in elector.ts). */
export * from './decide.js';
export * from './elector.js';
