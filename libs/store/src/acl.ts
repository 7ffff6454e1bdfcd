/**
 * The least-privilege Redis ACL of each component, as `ACL SETUSER` rules. docs/security.md
 * prints these lists and a test checks that it does; the integration tests run the components
 * under exactly these users. Lua scripts are checked command by command, so what the scripts call
 * is listed too.
 */
export type RedisComponent = 'joiner' | 'api' | 'client';

export interface RedisGrant {
  /** The store's Lua scripts it runs (libs/store/src/commands). */
  readonly scripts: readonly string[];
  /** Commands, each `+name` or `+name|subcommand`. */
  readonly commands: readonly string[];
  /** Key patterns (`~` read and write, `%R~` read only) with `<prefix>` for `redis.keyPrefix`. */
  readonly keys: readonly string[];
  /** Pub/sub channel patterns. */
  readonly channels: readonly string[];
  /** Why the component needs what it has. */
  readonly why: string;
}

/**
 * What every connection does: the ready check (INFO), a clean quit; and what ioredis's Cluster
 * client sends on a Redis Cluster (harmless elsewhere): the slot map it routes by (CLUSTER SLOTS),
 * its ready check (CLUSTER INFO), READONLY on its connections to replicas, and a name for its
 * subscriber connection (CLIENT SETNAME).
 */
const CONNECTION = ['+info', '+quit', '+cluster|slots', '+cluster|info', '+readonly', '+client|setname'];

/** Running the store's scripts (ioredis sends EVAL, or EVALSHA once Redis has the script). */
const SCRIPTS = ['+evalsha', '+eval'];

export const REDIS_GRANTS: Readonly<Record<RedisComponent, RedisGrant>> = {
  joiner: {
    scripts: ['applyPredicted', 'applyRecords', 'expireWaiting', 'claimOutbox', 'ackOutbox', 'deadLetter'],
    commands: [
      ...CONNECTION,
      ...SCRIPTS,
      // what its scripts call (a test reads them from the .lua files)
      '+get', '+hget', '+hmget', '+hset', '+hdel', '+hgetall', '+zadd', '+zrem', '+zrangebyscore', '+lpush', '+ltrim', '+llen', '+pexpire',
      // what it calls itself: the state epoch, registered partitions, gauges, a rewind, the mode,
      // and redis.waitForReplicas's WAIT after each apply
      '+set', '+hsetnx', '+hlen', '+hvals', '+del', '+subscribe', '+unsubscribe', '+wait',
    ],
    keys: ['~<prefix>:*'],
    channels: ['&<prefix>:mode-changes'],
    why: 'pairs records: holds the pending records, the offsets, the outbox and the retention buckets of every comparison, reads the mode and hears its changes',
  },
  api: {
    scripts: ['recordVerdicts', 'trimVerdicts', 'changeMode'],
    commands: [
      ...CONNECTION,
      ...SCRIPTS,
      // what its scripts call
      '+get', '+set', '+hget', '+hset', '+hdel', '+hexists', '+hincrby', '+hlen', '+zadd', '+zrem', '+zcard', '+zrange', '+zrangebyscore', '+zremrangebyscore', '+zremrangebyrank',
      '+lpush', '+ltrim', '+publish', '+pexpireat',
      // what it reads itself: the read model, the mode history, the dead letters; /readyz pings
      '+hgetall', '+hmget', '+zcount', '+lrange', '+llen', '+ping',
    ],
    // The read model, the mode and its history, the dead letters; never the pending records.
    keys: ['~<prefix>:{*}:rm:*', '~<prefix>:{*}:mode', '~<prefix>:{*}:mode:*', '%R~<prefix>:{*}:dead'],
    channels: ['&<prefix>:mode-changes'],
    why: 'keeps the read model of the verdicts it reads, changes the mode (and announces it), reads the dead letters; it cannot read the pending records, which hold payloads in clear',
  },
  client: {
    scripts: [],
    commands: [...CONNECTION, '+get', '+subscribe', '+unsubscribe'],
    keys: ['%R~<prefix>:{*}:mode', '%R~<prefix>:{*}:mode:since'],
    channels: ['&<prefix>:mode-changes'],
    why: 'the consumer library only reads the mode and hears its changes',
  },
};

/** `ACL SETUSER` arguments for one component's user under a key prefix (after `resetkeys resetchannels -@all`). */
export function aclRules(component: RedisComponent, keyPrefix: string): string[] {
  const grant = REDIS_GRANTS[component];
  const fill = (pattern: string) => pattern.replaceAll('<prefix>', keyPrefix);
  return ['resetkeys', 'resetchannels', '-@all', ...grant.commands, ...grant.keys.map(fill), ...grant.channels.map(fill)];
}
