/**
 * Each comparison's migration mode, as the joiner follows it: read from Redis at start and on
 * every sample, and changed at once by the announcements on the mode channel (mode-registry in
 * libs/store writes both).
 */
import { isMode, modeChannel, type ModeChange, type RedisClient } from '@shadowdiff/store';
import type { Comparison } from './comparison.ts';
import type { JoinerEvents } from './events.ts';

/** Reads a comparison's stored mode (its configured mode when none is stored); reports a change, or every read when `initial`. */
export async function refreshMode(redis: Pick<RedisClient, 'get'>, comparison: Pick<Comparison, 'config' | 'store' | 'mode'>, events: JoinerEvents, initial = false): Promise<void> {
  const stored = await redis.get(comparison.store.keys.mode);
  const mode = isMode(stored) ? stored : comparison.config.mode;
  if (initial || mode !== comparison.mode) {
    comparison.mode = mode;
    events.emit('joiner.mode_changed', { comparison: comparison.config.name, mode });
  }
}

/** Subscribes a connection of its own to the mode channel; returns it (to quit at stop). */
export async function followModes(redis: RedisClient, keyPrefix: string, comparisons: readonly Pick<Comparison, 'config' | 'mode'>[], events: JoinerEvents): Promise<RedisClient> {
  const subscriber = redis.duplicate();
  subscriber.on('error', (error: Error) => events.emit('joiner.error', { error, during: 'mode subscription' }));
  subscriber.on('message', (_channel: string, message: string) => {
    let change: ModeChange;
    try {
      change = JSON.parse(message) as ModeChange;
    } catch {
      return;
    }
    const comparison = comparisons.find((c) => c.config.name === change.comparison);
    if (comparison && isMode(change.to) && comparison.mode !== change.to) {
      comparison.mode = change.to;
      events.emit('joiner.mode_changed', { comparison: comparison.config.name, mode: change.to });
    }
  });
  await subscriber.subscribe(modeChannel(keyPrefix));
  return subscriber;
}
