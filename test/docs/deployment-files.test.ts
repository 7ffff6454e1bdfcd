import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs where the tests do: what the image and compose file promise is checked
// from the files themselves (and, for the image's contents, by test/deploy/image-contents.int.test.ts).
const file = (name: string) => readFileSync(fileURLToPath(new URL(`../../${name}`, import.meta.url)), 'utf8');

/** The Dockerfile's instructions, line continuations joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const steps = instructions(file('Dockerfile'));
  const args = new Map(steps.filter((s) => s.op === 'ARG').map((s) => s.args.split('=') as [string, string]));
  const resolve = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => args.get((a ?? b) as string) ?? '');

  it('pins every base image by digest', () => {
    const bases = steps.filter((s) => s.op === 'FROM').map((s) => resolve(s.args).split(/\s+/)[0] as string);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  it('runs as a non-root user in the final stage', () => {
    const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
    const users = steps.slice(lastFrom).filter((s) => s.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users[users.length - 1] as { args: string }).args.split(':')[0];
    expect(user).not.toMatch(/^(root|0)$/);
  });

  it('copies no tests, test helpers or infra, and installs production dependencies only', () => {
    const copied = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(source).not.toMatch(/^(\.|test|infra|bench)(\/|$)/);
    const installs = steps.filter((s) => s.op === 'RUN' && s.args.includes('npm ci'));
    expect(installs.length).toBe(1);
    expect(installs[0]?.args).toContain('--omit=dev');
    expect(installs[0]?.args).toMatch(/-name '\*\.test\.ts'.*-delete/);
  });
});

describe('docker-compose.yml', () => {
  type Service = { image?: string; build?: string; ports?: string[]; volumes?: string[]; entrypoint?: string[]; command?: string[]; environment?: Record<string, string> };
  const compose = parse(file('docker-compose.yml')) as { services: Record<string, Service> };
  /** What a service mounts from the repository: the file's text by where the container sees it. */
  const mounts = (name: string) => new Map((compose.services[name]?.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => [v.split(':')[1]!, file(v.split(':')[0]!.slice(2))]));

  it('runs a whole evaluation: Kafka, Redis with persistence, the registry, the joiner, the API, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'grafana', 'joiner', 'kafka', 'kafka-init', 'prometheus', 'redis', 'schema-registry']);
    expect(compose.services.redis?.volumes).toContain('redis-data:/data');
    expect(JSON.stringify(compose.services.redis)).toContain('appendonly');
    expect(compose.services.api?.entrypoint).toContain('services/api/src/main.ts');
    expect(compose.services.api?.ports).toEqual(['127.0.0.1:8080:8080']);
    // The config both read listens on the container's interfaces and lets Prometheus in by name.
    const config = parse(file('shadowdiff.docker.yaml')) as { api: { host: string; allowedHosts: string[] }; joiner: { metricsHost: string } };
    expect(config.api).toEqual({ host: '0.0.0.0', allowedHosts: ['api'] });
    expect(config.joiner.metricsHost).toBe('0.0.0.0');
  });

  it('Prometheus scrapes the joiner and the API where compose runs them, with the alert rules it mounts', () => {
    const files = mounts('prometheus');
    const config = parse(files.get('/etc/prometheus/prometheus.yml')!) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    for (const rules of config.rule_files) expect(files.has(rules), rules).toBe(true);
    expect(files.get('/etc/prometheus/shadowdiff-rules.yml')).toBe(file('deploy/prometheus/shadowdiff-rules.yml'));
    const targets = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]));
    expect(targets).toEqual({ 'shadowdiff-joiner': ['joiner:9464'], 'shadowdiff-api': ['api:8080'] });
    // The ports scraped are the ones the services serve (the joiner's metrics, the API).
    expect(compose.services.joiner?.ports).toEqual(['127.0.0.1:9464:9464']);
  });

  it('Grafana gets the compose Prometheus as its datasource and the dashboard as the repository holds it', () => {
    const files = mounts('grafana');
    const datasources = parse(files.get('/etc/grafana/provisioning/datasources/prometheus.yml')!) as { datasources: { type: string; url: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(files.get('/etc/grafana/provisioning/dashboards/shadowdiff.yml')!) as { providers: { options: { path: string } }[] };
    const dir = providers.providers[0]!.options.path;
    const dashboard = files.get(`${dir}/shadowdiff.json`);
    expect(dashboard, `a dashboard mounted under ${dir}`).toBeDefined();
    expect(JSON.parse(dashboard!)).toMatchObject({ uid: 'shadowdiff' });
    expect(compose.services.grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dir}/shadowdiff.json`);
  });

  it("the services built here and the monitoring ones run read-only, without capabilities, and Grafana's admin account cannot log in", () => {
    type Hardened = Service & { read_only?: boolean; cap_drop?: string[]; security_opt?: string[] };
    for (const name of ['joiner', 'api', 'prometheus', 'grafana']) {
      const service = compose.services[name] as Hardened;
      expect([service.read_only, service.cap_drop, service.security_opt], name).toEqual([true, ['ALL'], ['no-new-privileges:true']]);
    }
    const grafana = compose.services.grafana?.environment ?? {};
    expect([grafana.GF_AUTH_DISABLE_LOGIN_FORM, grafana.GF_AUTH_BASIC_ENABLED, grafana.GF_AUTH_ANONYMOUS_ORG_ROLE]).toEqual(['true', 'false', 'Viewer']);
    // What they write goes to volumes of their own.
    expect(compose.services.prometheus?.volumes).toContain('prometheus-data:/prometheus');
    expect(compose.services.grafana?.volumes).toContain('grafana-data:/var/lib/grafana');
  });

  it('publishes every port on the loopback interface only (nothing unauthenticated on all interfaces)', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('names an exact version of every image and mounts only files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      // An exact version, as its publisher tags it (Prometheus with a leading v).
      if (service.image !== undefined) expect(service.image, name).toMatch(/:v?\d+(\.\d+)+$/);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('./')) expect(() => file(source.slice(2)), `${name}: ${source}`).not.toThrow();
      }
    }
  });
});
