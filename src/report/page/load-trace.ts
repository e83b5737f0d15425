/** Turns an embedded trace (gzipped .rep, base64) back into a Trace, with the browser's own gunzip. */
import { parseRep } from '../../trace/rep.js';
import type { Trace } from '../../trace/types.js';
import type { ReportTrace } from '../model/report-data.js';

export async function loadTrace(t: ReportTrace): Promise<Trace> {
  const binary = atob(t.repGzipBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return parseRep(await new Response(stream).text(), t.name);
}
