/** base: primitives every layer may use (errors, logging, byte formatting). Imports nothing of Holdfast. */
export * from './errors.js';
export * from './log.js';
export * from './format.js';
export * from './markdown.js';
