/** Turns an embedded trace (encoded, gzipped, base64) back into a Trace, with the browser's own gunzip. */
import type { Trace } from '../../trace/types.js';
import type { ReportTrace } from '../model/report-data.js';
import { decodeTrace } from '../model/trace-codec.js';

export async function loadTrace(t: ReportTrace): Promise<Trace> {
  const stream = new Blob([fromBase64(t.gzipBase64)]).stream().pipeThrough(new DecompressionStream('gzip'));
  return decodeTrace(new Uint8Array(await new Response(stream).arrayBuffer()), t.name);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (native) return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
