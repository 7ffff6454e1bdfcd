export { createShadowClient, type ShadowClient } from './shadow-client.ts';
export type { ShadowClientOptions, RunOptions, Outcome } from './options.ts';
export type { ProblemKind, ShadowClientStats } from './problems.ts';
export { ClientError, ClientErrorCode } from './errors.ts';
