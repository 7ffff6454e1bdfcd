import { describe, expect, it } from 'vitest';
import { StoreErrorCode, noPermission, toStoreError } from '../src/index.ts';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('what Redis answered, as a store error', () => {
  it.each([
    "OOM command not allowed when used memory > 'maxmemory'. script: 56de3f8f, on @user_script:1.",
    "OOM command not allowed when used memory > 'maxmemory'.",
    "READONLY You can't write against a read only replica. script: 56de3f8f, on @user_script:1.",
    'LOADING Redis is loading the dataset in memory',
    'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
    'MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.',
    'CLUSTERDOWN The cluster is down',
  ])('"%s" is Redis being unavailable for now: retriable', (message) => {
    expect(toStoreError('applyRecords', reply(message))).toMatchObject({ code: StoreErrorCode.UNAVAILABLE, retriable: true });
  });

  it('an error raised by the script itself is a script error, never retried', () => {
    expect(toStoreError('applyRecords', reply('ERR user_script:12: attempt to index a nil value script: 56de3f8f, on @user_script:12.'))).toMatchObject({
      code: StoreErrorCode.SCRIPT,
      retriable: false,
    });
  });

  it('a connection that dropped is retriable', () => {
    expect(toStoreError('apply', new Error('Connection is closed.'))).toMatchObject({ code: StoreErrorCode.UNAVAILABLE, retriable: true });
  });

  it.each([
    "NOPERM User sd-api has no permissions to run the 'hset' command",
    'NOPERM No permissions to access a key',
    "ERR The user executing the script can't run this command or subcommand script: de8a77b0, on @user_script:209.",
    "ERR The user executing the script can't access at least one of the keys mentioned in the command script: de8a77b0, on @user_script:12.",
  ])('"%s" is a missing ACL grant: never retried, and says where the grants are', (message) => {
    const error = toStoreError('applyRecords', reply(message));
    expect(error).toMatchObject({ code: StoreErrorCode.NOPERM, retriable: false });
    expect(error.message).toContain('docs/security.md');
    expect(noPermission(new Error('outer', { cause: error }))).toBe(error);
  });
});

