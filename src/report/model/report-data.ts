/**
 * What the CLI embeds in a report and the page reads back: the traces (encoded columns,
 * gzipped, base64) and the heap configurations to replay each of them under.
 */
import type { SessionSpec } from './session.js';

export interface ReportTrace {
  name: string;
  ops: number;
  /** The trace as encodeTrace writes it (trace-codec.ts), gzipped, base64. */
  gzipBase64: string;
}

export interface ReportData {
  title: string;
  /** Every trace is replayed under every spec; the first is the main view's. */
  specs: SessionSpec[];
  traces: ReportTrace[];
}

/** id of the <script type="application/json"> element holding the ReportData. */
export const DATA_ELEMENT_ID = 'heapflow-data';
