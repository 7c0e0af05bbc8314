/**
 * The deepest nesting of arrays and objects a message may have. Real
 * requests nest a handful of levels; JSON.parse of a message nested
 * tens of thousands deep costs tens of milliseconds the event loop owes
 * every other client, so such text is refused before it is parsed.
 */
export const MAX_NESTING_DEPTH = 128;

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
