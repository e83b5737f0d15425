/**
 * What the CLI embeds in a report and the page reads back: the traces (as gzipped `.rep`
 * text, base64) and the heap configurations to replay each of them under.
 */
import type { SessionSpec } from './session.js';

export interface ReportTrace {
  name: string;
  ops: number;
  /** The trace in `.rep` form, gzipped, base64. */
  repGzipBase64: string;
}

export interface ReportData {
  title: string;
  /** Every trace is replayed under every spec; the first is the main view's. */
  specs: SessionSpec[];
  traces: ReportTrace[];
}

/** id of the <script type="application/json"> element holding the ReportData. */
export const DATA_ELEMENT_ID = 'heapflow-data';
