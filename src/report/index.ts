/** The audit report in each output format. */
import { safeJson } from './escape.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { AuditReport } from './model.js';

export type ReportFormat = 'md' | 'html' | 'json';

export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json'];

/**
 * The report as Markdown (also the terminal-safe text: no control character but line
 * feeds), as one self-contained HTML file, or as JSON (two-space indented, every
 * control, bidi and invisible character as a `\uXXXX` escape), each ending with a newline.
 */
export function renderReport(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'json':
      return `${safeJson(report, 2)}\n`;
    default:
      throw new Error(`unknown report format: ${String(format)}`);
  }
}

export {
  escapeForTerminal,
  escapeHtml,
  escapeMarkdownInline,
  makeVisible,
  markdownCodeBlock,
  markdownCodeSpan,
  safeJson,
} from './escape.js';
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export type { AuditReport, RankedSource, TimeSeries } from './model.js';
