import { describe, expect, it } from 'vitest';
import { chooseStack } from './stack-selection.ts';

const engine = (answers: boolean) => async () => answers;

describe('which stack the integration tests use', () => {
  it('containers where an engine answers, the local stack where none does', async () => {
    expect(await chooseStack({}, engine(true))).toEqual({ stack: 'containers', why: 'a container engine answers' });
    expect(await chooseStack({}, engine(false))).toEqual({ stack: 'local', why: 'no container engine answers' });
  });

  it('SHADOWDIFF_TEST_STACK decides: local without asking the engine; containers only where one answers', async () => {
    let asked = false;
    expect((await chooseStack({ SHADOWDIFF_TEST_STACK: 'local' }, async () => ((asked = true), true))).stack).toBe('local');
    expect(asked).toBe(false);
    expect((await chooseStack({ SHADOWDIFF_TEST_STACK: 'containers' }, engine(true))).stack).toBe('containers');
    await expect(chooseStack({ SHADOWDIFF_TEST_STACK: 'containers' }, engine(false))).rejects.toThrow('no container engine answers');
    await expect(chooseStack({ SHADOWDIFF_TEST_STACK: 'docker' }, engine(true))).rejects.toThrow('expected local or containers');
  });
});
