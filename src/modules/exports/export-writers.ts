import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { cellOf, columnsFor, type Cell, type ExportFormat, type ExportRecord, type ExportVerbosity } from './export-records.js';

// Writers that stream an export row by row into a Writable (the storage upload), so nothing but
// the current page of rows is held in memory. XLSX uses exceljs' streaming workbook writer.

export interface ExportWriter {
  write(record: ExportRecord): Promise<void>;
  /** Writes the trailer; the caller ends the stream. */
  finish(): Promise<void>;
}

export const EXPORT_FILES: Record<ExportFormat, { ext: string; contentType: string }> = {
  JSON: { ext: 'json', contentType: 'application/json' },
  CSV: { ext: 'csv', contentType: 'text/csv; charset=utf-8' },
  XLSX: { ext: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
};

/** Excel's limit for the text of one cell. */
const XLSX_CELL_MAX = 32_767;

async function put(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. Text
 * that a spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe.
 */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function createExportWriter(format: ExportFormat, verbosity: ExportVerbosity, out: Writable): Promise<ExportWriter> {
  const columns = columnsFor(verbosity);
  if (format === 'CSV') {
    // A BOM, so that spreadsheet programs read the file as UTF-8.
    await put(out, `\uFEFF${columns.map((c) => csvField(c.header)).join(',')}\r\n`);
    return {
      write: (record) => put(out, `${columns.map((c) => csvField(cellOf(record, c.key))).join(',')}\r\n`),
      finish: async () => {},
    };
  }
  if (format === 'JSON') {
    let first = true;
    await put(out, '[');
    return {
      write: async (record) => {
        const picked = Object.fromEntries(columns.map((c) => [c.key, record[c.key] ?? null]));
        await put(out, `${first ? '\n' : ',\n'}${JSON.stringify(picked)}`);
        first = false;
      },
      finish: () => put(out, first ? ']\n' : '\n]\n'),
    };
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Recordings');
  sheet.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  return {
    write: async (record) => {
      const values = columns.map((c) => {
        const value = cellOf(record, c.key);
        return typeof value === 'string' && value.length > XLSX_CELL_MAX ? `${value.slice(0, XLSX_CELL_MAX - 1)}…` : value;
      });
      sheet.addRow(values).commit();
      // Let the zip stream flush before the next row when the upload is slower than we are.
      if (out.writableNeedDrain) await once(out, 'drain');
    },
    finish: async () => {
      sheet.commit();
      await workbook.commit();
    },
  };
}
