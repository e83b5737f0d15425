/** The hover text of a block: state, addresses, size, and for a live block its history. */
import type { MapBlock } from './heap-map.js';
import type { ReplaySession } from '../model/session.js';
import { stateStyle } from '../model/states.js';
import { formatBytes, hex } from './dom.js';
import { describeOp } from './step-view.js';

/** `siteOf` names the call site of the op that made a live block (traces with call sites). */
export function blockTip(session: ReplaySession, b: MapBlock, t: number, siteOf?: (birthOp: number) => string): string {
  if (b.state === 'metadata' && b.ptr === 0) return `heap header and policy metadata\n${hex(b.offset)} .. ${hex(b.offset + b.size)}, ${formatBytes(b.size)}`;
  const lines = [`${b.state}: ${stateStyle(b.state).meaning}`, `block ${hex(b.offset)}, ${formatBytes(b.size)} (${b.size} B)`];
  if (b.requested > 0 || b.state === 'used' || b.state === 'mapped') {
    lines.push(`pointer ${hex(b.ptr)}, requested ${formatBytes(b.requested)}`);
    const birth = session.birthOf(b.ptr, t);
    if (birth >= 0) lines.push(`age ${t - birth} ops, made by`, describeOp(session, birth));
    if (birth >= 0 && siteOf) lines.push(siteOf(birth));
  }
  return lines.join('\n');
}
