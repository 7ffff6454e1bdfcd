export { createShadowClient, type ShadowClient, type ShadowClientOptions, type RunOptions, type Outcome, type ProblemKind, type ShadowClientStats } from './shadow-client.ts';
