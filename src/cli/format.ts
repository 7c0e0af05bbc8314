/**
 * How the command line shows numbers, times and tables to a person. Pure
 * functions: the same input always prints the same text.
 */

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/**
 * A size in decimal units, as `du --si` and most file managers show it:
 * `512 B`, `7.2 MB`, `14 GB` (one decimal below 10, none above).
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 999.95 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }

  if (unit === 0) return `${bytes} B`;
  const digits = Math.abs(value) < 9.95 ? 1 : 0;
  return `${value.toFixed(digits)} ${SIZE_UNITS[unit]}`;
}

const AGE_STEPS: [limit: number, seconds: number, unit: string][] = [
  [60, 1, 's'],
  [3_600, 60, 'm'],
  [86_400, 3_600, 'h'],
  [86_400 * 60, 86_400, 'd'],
  [86_400 * 730, 86_400 * 30, 'mo'],
  [Infinity, 86_400 * 365, 'y'],
];

/** How long ago `then` was, coarsely: `just now`, `42s ago`, `3h ago`. */
export function formatAge(then: Date, now: Date): string {
  const seconds = Math.floor((now.getTime() - then.getTime()) / 1000);
  if (Number.isNaN(seconds)) return 'unknown';
  if (seconds < 0) return 'in the future';
  if (seconds < 5) return 'just now';

  const [, size, unit] = AGE_STEPS.find(([limit]) => seconds < limit)!;
  return `${Math.floor(seconds / size)}${unit} ago`;
}

/** A duration in its two largest units: `45s`, `3m 12s`, `2d 4h`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.floor(totalSeconds);
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3_600), 'h'],
    [Math.floor((seconds % 3_600) / 60), 'm'],
    [seconds % 60, 's'],
  ];
  const first = parts.findIndex(([value]) => value > 0);
  if (first === -1) return '0s';

  return parts
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(' ');
}

/** A UTC time to the minute, the way a table column reads best. */
export function formatTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'unknown';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  /** Numbers read best aligned on their last digit. */
  align?: 'left' | 'right';
}

/**
 * A compact table: a header line, then one line per row, columns two
 * spaces apart, no trailing spaces. `style` dresses the header (it is
 * applied after padding, so escape codes do not skew the widths).
 */
export function renderTable<Row>(options: {
  columns: Column<Row>[];
  rows: Row[];
  style?: { header?: (text: string) => string };
}): string[] {
  const { columns, rows, style } = options;
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]!.length)),
  );
  const pad = (text: string, index: number) =>
    columns[index]!.align === 'right'
      ? text.padStart(widths[index]!)
      : text.padEnd(widths[index]!);
  const join = (line: string[]) =>
    line
      .map((text, index) => pad(text, index))
      .join('  ')
      .trimEnd();

  const header = join(columns.map((column) => column.header));
  return [style?.header?.(header) ?? header, ...cells.map(join)];
}

/** Label and value pairs, values aligned in one column. */
export function renderFields(
  fields: [label: string, value: string][],
): string[] {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/** `1 snapshot`, `3 snapshots`. */
export function pluralize(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
