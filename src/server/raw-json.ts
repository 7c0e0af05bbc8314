/**
 * Reads pieces of JSON text as written, for the two things JSON.parse
 * loses: the exact spelling of a numeric id (a 20-digit id would come back
 * rounded) and the text of each member of a batch. The text has already
 * been parsed successfully, so the scanner can trust its structure.
 */

const WHITESPACE = ' \t\n\r';

/** The raw text of a top-level object's last `id` member, if any. */
export function findRawId(text: string): string | undefined {
  let index = skipWhitespace(text, 0);
  if (text[index] !== '{') return undefined;

  let found: string | undefined;
  index = skipWhitespace(text, index + 1);
  while (index < text.length && text[index] !== '}') {
    const keyEnd = skipString(text, index);
    const key = JSON.parse(text.slice(index, keyEnd)) as string;
    const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const valueEnd = skipValue(text, valueStart);
    if (key === 'id') found = text.slice(valueStart, valueEnd);
    index = skipWhitespace(text, valueEnd);
    if (text[index] === ',') index = skipWhitespace(text, index + 1);
  }
  return found;
}

/** The raw text of each member of a top-level array. */
export function splitArray(text: string): string[] {
  let index = skipWhitespace(text, 0);
  if (text[index] !== '[') return [];

  const members: string[] = [];
  index = skipWhitespace(text, index + 1);
  while (index < text.length && text[index] !== ']') {
    const end = skipValue(text, index);
    members.push(text.slice(index, end));
    index = skipWhitespace(text, end);
    if (text[index] === ',') index = skipWhitespace(text, index + 1);
  }
  return members;
}

function skipWhitespace(text: string, index: number): number {
  while (index < text.length && WHITESPACE.includes(text[index]!)) index++;
  return index;
}

// `index` is at the opening quote; returns the index after the closing one.
function skipString(text: string, index: number): number {
  let at = index + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return text.length;

    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

function skipValue(text: string, index: number): number {
  const first = text[index];
  if (first === '"') return skipString(text, index);
  if (first !== '{' && first !== '[') return skipScalar(text, index);

  let depth = 0;
  let at = index;
  while (at < text.length) {
    const char = text[at]!;
    if (char === '"') {
      at = skipString(text, at);
      continue;
    }
    if (char === '{' || char === '[') depth++;
    if (char === '}' || char === ']') depth--;
    at++;
    if (depth === 0) return at;
  }
  return at;
}

function skipScalar(text: string, index: number): number {
  let at = index;
  while (at < text.length && !',}] \t\n\r'.includes(text[at]!)) at++;
  return at;
}
