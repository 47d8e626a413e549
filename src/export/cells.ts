/**
 * Cell values for spreadsheets built from residents' words. Their text is hostile input: it may start a
 * formula, carry characters that make Excel refuse the whole file, or be longer than a cell holds.
 */

/** Excel's limit for the text in one cell. */
export const CELL_MAX_LENGTH = 32_767;

// XML 1.0 forbids these control characters and unpaired surrogates; one of them corrupts the .xlsx.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// What spreadsheets read as the start of a formula (OWASP's list, plus the full-width forms a Chinese
// input method produces, which some spreadsheet programs also accept).
const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/;

/** Text as a cell may hold it: '' for nothing (erased texts), no XML-invalid characters, at most a cell's length. */
export function cellText(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  const clean = text.replace(XML_INVALID, '');
  return clean.length > CELL_MAX_LENGTH ? clean.slice(0, CELL_MAX_LENGTH) : clean;
}

/** Would a spreadsheet take this text for a formula? */
export const looksLikeFormula = (text: string): boolean => FORMULA_START.test(text);

/** For CSV, where nothing says "this is text": a leading apostrophe keeps a formula-looking text inert. */
export const inertText = (text: string): string => (looksLikeFormula(text) ? `'${text}` : text);

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = inertText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV (CRLF line ends, per RFC 4180). */
export const csvLine = (values: ReadonlyArray<string | number>): string => `${values.map(csvField).join(',')}\r\n`;

/** A UTF-8 byte order mark: without it Excel opens a UTF-8 CSV as the local code page and garbles Chinese. */
export const UTF8_BOM = '\uFEFF';
