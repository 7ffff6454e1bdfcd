import { describe, expect, it } from 'vitest';
import { withoutCommandArgs } from '../src/index.ts';

describe('a serialised error without the arguments of its Redis command', () => {
  it('keeps the command name and drops AUTH credentials and script records, nested causes included', () => {
    const serialised = {
      type: 'ReplyError',
      message: 'WRONGPASS invalid username-password pair',
      command: { name: 'auth', args: ['api', 'S3CRET'] },
      cause: { command: { name: 'evalsha', args: ['sha', '1', '{"card":"4111"}'] }, code: 'X' },
    };
    const scrubbed = withoutCommandArgs(serialised);
    expect(JSON.stringify(scrubbed)).not.toMatch(/S3CRET|4111/);
    expect(scrubbed).toMatchObject({ message: serialised.message, command: { name: 'auth' }, cause: { code: 'X', command: { name: 'evalsha' } } });
  });
});
