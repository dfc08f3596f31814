// The one contract shared by main, preload, the HTTP host and the renderer.
// Types and schemas only (plus the tiny envelope and wire helpers both ends must agree on).
export * from './envelope';
export * from './wire';
export * from './types';
export * from './queue-types';
export * from './sweep-types';
export * from './operations';
export * from './path-schema';
export * from './events';
export * from './api';
