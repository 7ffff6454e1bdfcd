import { createModeRegistry, isCluster, isMode, modeChannel, openRedis, type MigrationMode, type ModeChange, type RedisClient, type RedisEndpoint } from '@shadowdiff/store';
import { Redis, type RedisOptions } from 'ioredis';
import { ClientError, ClientErrorCode } from './errors.ts';
import type { Report } from './problems.ts';

export interface ModeFollowerOptions {
  readonly redisUrl?: string | undefined;
  readonly redisEndpoint?: RedisEndpoint | undefined;
  readonly redisOptions?: RedisOptions | undefined;
  readonly keyPrefix: string;
  readonly comparison: string;
  readonly defaultMode: MigrationMode;
  readonly report: Report;
}

/**
 * Follows a comparison's live mode: read at start, then every change as it is announced. If Redis
 * goes away it keeps the last mode it knew and marks it stale (reported once); after a
 * reconnection it subscribes again and reads the mode anew, to catch up with changes announced
 * meanwhile. A message on the channel that is not a mode change makes it read the mode again.
 */
export function followMode({ redisUrl, redisEndpoint, redisOptions, keyPrefix, comparison, defaultMode, report }: ModeFollowerOptions) {
  if ((redisUrl === undefined) === (redisEndpoint === undefined)) throw new ClientError(ClientErrorCode.BAD_OPTIONS, 'give one of redisUrl and redisEndpoint');
  const open = (extra: RedisOptions): RedisClient => (redisEndpoint ? openRedis(redisEndpoint, extra) : new Redis(redisUrl!, { ...redisOptions, ...extra }));
  const redis = open({ lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = open({ lazyConnect: true });
  const registry = createModeRegistry({ redis, keyPrefix, comparison, defaultMode });
  let mode: MigrationMode = defaultMode;
  let stale = true;

  const markStale = (error: unknown) => {
    if (!stale) report('mode_stale', error);
    stale = true;
  };
  const reread = () => {
    registry.get().then(
      (state) => {
        mode = state.mode;
        stale = false;
      },
      markStale,
    );
  };
  redis.on('error', markStale);
  subscriber.on('error', markStale);
  // A cluster client reports a node's failure as 'node error', and moves its subscription to
  // another node without a 'ready': there the mode is also read again every 10 s, to catch up
  // with a change announced while the subscription moved.
  let rereading: NodeJS.Timeout | undefined;
  if (isCluster(redis)) redis.on('node error', markStale);
  if (isCluster(subscriber)) {
    subscriber.on('node error', markStale);
    rereading = setInterval(() => reread(), 10_000);
    rereading.unref();
  }
  subscriber.on('message', (_channel: string, message: string) => {
    let change: Partial<ModeChange> | null = null;
    try {
      change = JSON.parse(message) as Partial<ModeChange> | null;
    } catch {
      change = null;
    }
    if (change === null || typeof change !== 'object' || typeof change.comparison !== 'string') {
      // Not a mode change: whatever it was, the mode in Redis is the truth.
      report('mode_message_invalid');
      reread();
      return;
    }
    if (change.comparison !== comparison) return;
    if (isMode(change.to)) mode = change.to;
    else {
      report('mode_message_invalid');
      reread();
    }
  });
  // After a reconnection ioredis renews the subscription (and here it is made, if Redis was down
  // at start); the mode is read again to catch up with changes announced meanwhile.
  let subscribing = false;
  subscriber.on('ready', () => {
    if (!subscribing) {
      subscribing = true;
      subscriber.subscribe(modeChannel(keyPrefix)).catch(markStale);
    }
    reread();
  });

  return {
    get mode(): MigrationMode {
      return mode;
    },
    /** True when the mode may be out of date (Redis unreachable): the last known one is used. */
    get stale(): boolean {
      return stale;
    },
    /** Connects, subscribes and reads the mode; never rejects (Redis away: the mode stays stale). */
    connect(): Promise<void> {
      const ready = (async () => {
        await Promise.all([redis.connect(), subscriber.connect()]);
        const state = await registry.get();
        mode = state.mode;
        stale = false;
      })();
      return ready.catch(markStale);
    },
    async stop(): Promise<void> {
      clearInterval(rereading);
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
    },
  };
}

export type ModeFollower = ReturnType<typeof followMode>;
