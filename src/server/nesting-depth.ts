import { findRawId } from './raw-json.js';

/**
 * The deepest nesting of arrays and objects a message may have. Real
 * requests nest a handful of levels; JSON.parse of a message nested
 * tens of thousands deep costs tens of milliseconds the event loop owes
 * every other client, so such text is refused before it is parsed.
 */
export const MAX_NESTING_DEPTH = 128;

// An id longer than this is not worth echoing from text never parsed.
const MAX_ID_TEXT = 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

// One pass over the text, counting `[` and `{` outside string literals;
// a backslash inside a string hides the character after it. Text that is
// not JSON at all is left for JSON.parse to name.
export function exceedsNestingDepth(
  text: string,
  limit: number = MAX_NESTING_DEPTH,
): boolean {
  // Each level takes a character: shorter text cannot be too deep.
  if (text.length <= limit) return false;

  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * The id of a message refused unparsed, as its reply should carry it:
 * the top-level `id` member's text when that is a string, a number or
 * null, and `null` when no such id can be read (a batch, a malformed or
 * missing id), as JSON-RPC 2.0 asks of a request whose id is unknown.
 */
export function readUnparsedIdText(text: string): string {
  let raw: string | undefined;
  try {
    raw = findRawId(text);
  } catch {
    return 'null';
  }
  if (raw === undefined || raw.length > MAX_ID_TEXT) return 'null';

  let id: unknown;
  try {
    id = JSON.parse(raw);
  } catch {
    return 'null';
  }
  if (typeof id === 'number') return raw;
  return typeof id === 'string' ? JSON.stringify(id) : 'null';
}
