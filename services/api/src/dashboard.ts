import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const DASHBOARD_DIR = join(import.meta.dirname, 'dashboard');
const DASHBOARD: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/classes.js': { file: 'classes.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The dashboard's static files (dashboard/), read once and served publicly; the data comes from the API. */
export function registerDashboard(app: FastifyInstance): void {
  for (const [route, { file, type }] of Object.entries(DASHBOARD)) {
    const body = readFileSync(join(DASHBOARD_DIR, file));
    app.get(route, { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
}
