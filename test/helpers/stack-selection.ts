/**
 * Which real Kafka, Redis and registry the integration tests talk to: containers where a
 * container engine answers (found the way testcontainers finds one: DOCKER_HOST, its properties
 * file, the usual sockets — never `docker --version`), the local JVMs and redis-server of infra/
 * otherwise. SHADOWDIFF_TEST_STACK=local or =containers decides instead.
 */
export type Stack = 'local' | 'containers';

export async function chooseStack(env: NodeJS.ProcessEnv, engineAnswers: () => Promise<boolean>): Promise<{ stack: Stack; why: string }> {
  const asked = env.SHADOWDIFF_TEST_STACK;
  if (asked === 'local') return { stack: 'local', why: 'SHADOWDIFF_TEST_STACK=local' };
  if (asked === 'containers') {
    if (!(await engineAnswers())) throw new Error('SHADOWDIFF_TEST_STACK=containers, but no container engine answers (testcontainers found none): start Docker, or unset it to use the local stack');
    return { stack: 'containers', why: 'SHADOWDIFF_TEST_STACK=containers' };
  }
  if (asked !== undefined && asked !== '') throw new Error(`SHADOWDIFF_TEST_STACK=${asked}: expected local or containers`);
  return (await engineAnswers()) ? { stack: 'containers', why: 'a container engine answers' } : { stack: 'local', why: 'no container engine answers' };
}

/** Whether testcontainers finds a container engine that answers, within `timeoutMs`. */
export async function containerEngineAnswers(timeoutMs = 10_000): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const found = getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
  return Promise.race([found, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())]);
}
