export { createShadowClient, type ShadowClient, type ShadowClientOptions, type RunOptions, type Outcome } from './shadow-client.ts';
