import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { callSiteLists } from '../src/trace/call-sites.js';
import { parseHft } from '../src/trace/hft.js';
import { peakLiveBytes } from '../src/trace/trace-builder.js';
import { NO_SITE, OP_FREE } from '../src/trace/types.js';

const SITES = 's 0 0x10 m+0x10 a.c:1 parse\ns 1 0x20 m+0x20 b.c:2 build\ns 2 0x30 m+0x30 ? grow\n';

test('the three lists on a trace whose answers are known', () => {
  const trace = parseHft(`hft 1\nt 0 100\nt 1 101\n${SITES}`
    + 'a 0 100 0 1 0 0\n'   // parse: 100 live
    + 'a 1 40 0 1 1 1\n'    // build, thread 1
    + 'f 1 1 1 -\n'         // freed by thread 1's next op: temporary for build
    + 'a 2 500 0 1 0 1\n'   // build: 500
    + 'a 3 8 0 1 1 0\n'     // parse, thread 1
    + 'r 2 1000 1 0 2\n'    // the block moves to grow's account: 1000 (peak: 100 + 8 + 1000)
    + 'f 2 1 0 -\n'
    + 'a 4 16 0 1 0 -\n'    // no site
    + 'f 4 1 0 -\n', 'known.hft');
  const lists = callSiteLists(trace, 10);
  assert.ok(lists !== undefined);
  assert.equal(lists.peakLiveBytes, 1108);
  assert.deepEqual(lists.byPeakLive.map((f) => [f.callSite?.fn, f.value]), [['grow', 1000], ['parse', 108]]);
  assert.deepEqual(lists.byCount.map((f) => [f.site === NO_SITE ? 'none' : f.callSite?.fn, f.value]),
    [['parse', 2], ['build', 2], ['grow', 1], ['none', 1]]);
  assert.deepEqual(lists.byTemporary.map((f) => [f.site === NO_SITE ? 'none' : f.callSite?.fn, f.value]), [['build', 1], ['none', 1]]);
  assert.equal(callSiteLists(parseHft('hft 1\na 0 8\n', 'no-sites.hft')), undefined, 'no site table, no lists');
});

test('over random traces, peak bytes by site add up to the peak and counts to the a and r ops', () => {
  fc.assert(fc.property(fc.array(fc.record({ op: fc.nat({ max: 2 }), pick: fc.nat(), size: fc.nat({ max: 5000 }), site: fc.integer({ min: -1, max: 2 }), thread: fc.nat({ max: 1 }) }), { maxLength: 300 }),
    (steps) => {
      const lines = ['hft 1', 't 0 1', 't 1 2', ...SITES.trimEnd().split('\n')];
      const live: number[] = [];
      let next = 0;
      for (const s of steps) {
        const site = s.site < 0 ? '-' : String(s.site);
        if (s.op === 0 || live.length === 0) { lines.push(`a ${next} ${s.size} 0 1 ${s.thread} ${site}`); live.push(next++); }
        else {
          const at = s.pick % live.length;
          if (s.op === 1) lines.push(`f ${live.splice(at, 1)[0]} 1 ${s.thread} ${site}`);
          else lines.push(`r ${live[at]} ${s.size} 1 ${s.thread} ${site}`);
        }
      }
      const trace = parseHft(`${lines.join('\n')}\n`, 'random.hft');
      const lists = callSiteLists(trace, 100);
      assert.ok(lists !== undefined);
      assert.equal(lists.peakLiveBytes, peakLiveBytes(trace));
      assert.equal(lists.byPeakLive.reduce((sum, f) => sum + f.value, 0), lists.peakLiveBytes);
      const allocating = [...trace.kinds].filter((k) => k !== OP_FREE).length;
      assert.equal(lists.byCount.reduce((sum, f) => sum + f.value, 0), allocating);
    }), { numRuns: 200 });
});

test('heapflow replay lists the call sites of a trace that has them, in the table and in --json', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const path = join(mkdtempSync(join(tmpdir(), 'heapflow-sites-')), 'known.hft');
  writeFileSync(path, `hft 1\n${SITES}a 0 100 0 1 0 0\na 1 300 0 1 0 1\nf 0 1 0 -\n`);
  const table = spawnSync(process.execPath, [cli, 'replay', '--samples', '1', path], { encoding: 'utf8' });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /call sites of known\nlive at the peak \(400 B in all\)/);
  assert.match(table.stdout, /300 B  build \(b\.c:2\)/);
  const json = spawnSync(process.execPath, [cli, 'replay', '--json', '--samples', '1', path], { encoding: 'utf8' });
  const line = JSON.parse(json.stdout) as { callSites: { byPeakLive: { function: string; value: number }[] } };
  assert.deepEqual(line.callSites.byPeakLive.map((f) => [f.function, f.value]), [['build', 300], ['parse', 100]]);
  const none = spawnSync(process.execPath, [cli, 'replay', '--sites', '0', '--samples', '1', path], { encoding: 'utf8' });
  assert.doesNotMatch(none.stdout, /call sites of/);
});
