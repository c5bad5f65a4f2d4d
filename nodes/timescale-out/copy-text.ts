// Rows as the data of `COPY ... FROM STDIN` in PostgreSQL's text format (documentation, SQL command COPY,
// "File Formats" > "Text Format"): one line per row, columns separated by a tab, NULL written `\N`, and in
// a value a backslash, tab, newline, carriage return, backspace, form feed and vertical tab written as
// backslash sequences. Nothing else needs escaping: the end-of-data marker `\.` cannot appear, since every
// backslash of a value is doubled. A NUL never reaches here (column-plan.ts stores such a field as NULL,
// as PostgreSQL text and jsonb cannot hold U+0000).
import type { FieldValue } from '../common/reading';
import { kindOf } from './schema';

const NULL = '\\N';
const SPECIAL = /[\\\t\n\r\b\f\v]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** A text value with its special characters escaped. */
export function copyEscape(text: string): string {
  return text.replace(SPECIAL, (c) => ESCAPES[c]);
}

/**
 * One field as COPY reads it: numbers as JavaScript prints them (NaN and Infinity included, which float8 reads
 * back), booleans as t/f, strings as themselves and anything nested as its JSON text, escaped; undefined is NULL.
 */
export function copyField(value: FieldValue | undefined): string {
  if (value === undefined) return NULL;
  switch (kindOf(value)) {
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    case 'text':
      return copyEscape(value as string);
    case 'json':
      return copyEscape(JSON.stringify(value));
  }
}

/** The line of one row, ended by a newline. */
export function copyLine(fields: readonly string[]): string {
  return fields.join('\t') + '\n';
}
