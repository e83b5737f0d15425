/** examples/browser/: the page runs in Chromium (Debian's, through playwright-core), served as a user would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { collectErrors, launchChromium } from './support/browser.js';
import { ROOT } from './support/package-files.js';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

/** A static file server over the package folder (what `python3 -m http.server` would do). */
function serveRoot(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(ROOT, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(ROOT) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('examples/browser/index.html runs heapflow in Chromium with no error', { timeout: 120_000 }, async () => {
  const server = await serveRoot();
  const chromium = await launchChromium();
  try {
    const page = await chromium.context.newPage();
    const errors = collectErrors(page);
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/examples/browser/index.html`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent?.endsWith('ok') === true, undefined, { timeout: 60_000 });
    const text = await page.textContent('#out') ?? '';
    assert.match(text, /live blocks 3, heap \d+ bytes/);
    assert.match(text, /^ +\d+ +free +\d+ bytes$/m, 'the freed block is on the map');
    assert.deepEqual(errors, []);
  } finally {
    await chromium.close();
    server.close();
  }
});
