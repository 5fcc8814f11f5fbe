/**
 * Serves the built console (web/dist) at /, and answers every other GET that is not an API call or a
 * file with index.html so the console's own routes survive a reload. When the console has not been
 * built, / explains how to build it instead of failing. The fallback is a wildcard route, not a
 * not-found handler, so it coexists with the server shell's own not-found handler.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Syncline</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2933}code{background:#eef2f6;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Syncline console not built</h1><p>The admin API is running at <a href="/api/v1/openapi.json"><code>/api/v1</code></a>, but the web console has not been built yet.</p>
<p>Build it with <code>npm run build -w web</code> (or <code>npm run setup</code>), then reload this page.</p></body></html>`;

/** Serves `distDir` at / with SPA fallback; a how-to-build page when it is missing. */
export async function serveConsole(app: FastifyInstance, distDir: string): Promise<void> {
  const built = existsSync(path.join(distDir, 'index.html'));
  if (built) {
    // wildcard: false registers one route per file at start, so the fallback below never shadows a real file.
    await app.register(fastifyStatic, {
      root: path.resolve(distDir),
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      // Vite names bundles by content hash, so they never change; index.html names the current ones and must be revalidated.
      setHeaders: (reply, filePath) => reply.header('cache-control', filePath.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  } else {
    app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
  }
  app.get('/*', async (request, reply) => {
    const pathname = request.url.split('?')[0];
    if (pathname.startsWith('/api/') || path.extname(pathname) !== '') {
      return reply.code(404).send({ error: 'not_found', message: `no route GET ${pathname}` });
    }
    if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile('index.html');
  });
}
