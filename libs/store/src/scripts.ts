import { StoreError, StoreErrorCode, toStoreError } from './errors.ts';
import type { ScriptProtocol } from './commands/protocol.ts';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from './client.ts';

const COMMANDS_DIR = join(import.meta.dirname, 'commands');
const INCLUDE = /^--- @include "([a-z0-9/-]+)"$/gm;

/** A Lua script read from `commands/<name>-<numberOfKeys>.lua`, includes expanded. */
export interface ScriptSource {
  /** e.g. `applyRecords` */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  /** Name it is registered under: `<name>:<first 10 hex of the source's sha1>`. */
  readonly versionedName: string;
}

function expandIncludes(lua: string): string {
  return lua.replace(INCLUDE, (_line, include: string) => readFileSync(join(COMMANDS_DIR, `${include}.lua`), 'utf8'));
}

let cache: readonly ScriptSource[] | undefined;

/** Every script in commands/, read once per process. */
export function scriptSources(): readonly ScriptSource[] {
  cache ??= readdirSync(COMMANDS_DIR)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = /^([A-Za-z]+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new StoreError(StoreErrorCode.MISUSE, `libs/store/src/commands/${file}: name must be <verbNoun>-<numberOfKeys>.lua`);
      const [, name, keys] = match as unknown as [string, string, string];
      const lua = expandIncludes(readFileSync(join(COMMANDS_DIR, file), 'utf8'));
      const version = createHash('sha1').update(lua).digest('hex').slice(0, 10);
      return { name, numberOfKeys: Number(keys), lua, versionedName: `${name}:${version}` };
    });
  return cache;
}

/**
 * Runs a script through its protocol (commands/<name>.ts): its keys and arguments encoded, its
 * reply read, and a failure of the call (Redis away, a script error) as a StoreError.
 */
export type ScriptRunner = <In, Out>(protocol: ScriptProtocol<In, Out>, input: In) => Promise<Out>;

/**
 * Registers every script on the connection under its versioned name (ioredis `defineCommand`:
 * EVALSHA first, EVAL when the server does not have it yet, e.g. after a Redis restart).
 */
export function registerScripts(redis: RedisClient): ScriptRunner {
  const byName = new Map<string, ScriptSource>();
  for (const source of scriptSources()) {
    byName.set(source.name, source);
    if (!(source.versionedName in redis)) {
      redis.defineCommand(source.versionedName, { numberOfKeys: source.numberOfKeys, lua: source.lua });
    }
  }
  return async (protocol, input) => {
    const { name } = protocol;
    const source = byName.get(name);
    if (!source) throw new StoreError(StoreErrorCode.MISUSE, `no Lua script named ${name}`);
    const keys = protocol.keys(input);
    if (keys.length !== source.numberOfKeys) throw new StoreError(StoreErrorCode.MISUSE, `${name} takes ${source.numberOfKeys} keys, got ${keys.length}`);
    const command = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[source.versionedName];
    let raw: unknown;
    try {
      // One array argument (ioredis flattens it): a flush's hundreds of thousands of arguments
      // would overflow the call stack if spread into the call.
      raw = await command!.call(redis, [...keys, ...protocol.args(input)]);
    } catch (error) {
      throw toStoreError(name, error);
    }
    return protocol.reply(raw, input);
  };
}
