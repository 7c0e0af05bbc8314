import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so ids read aloud without doubt. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

/** 26 characters: 10 of milliseconds, 16 of randomness. */
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export function isUlid(value: string): boolean {
  return ULID_PATTERN.test(value);
}

// Big-endian base32 of the 48-bit millisecond time, left-padded.
function encodeTime(ms: number): string {
  let rest = ms;
  let out = '';

  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** The capture time, in unix milliseconds, that an id carries. */
export function decodeUlidTime(id: string): number {
  let ms = 0;

  for (const char of id.slice(0, TIME_CHARS)) {
    ms = ms * 32 + ALPHABET.indexOf(char);
  }
  return ms;
}

// 80 random bits as 16 base32 digits (5 bits each).
function randomDigits(): number[] {
  const bytes = randomBytes(RANDOM_CHARS);
  return Array.from(bytes, (byte) => byte & 31);
}

// Adds one to the random part, as base32 digits; false when it overflows.
function incrementDigits(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

/**
 * Makes ULIDs that sort in creation order within one process: in the same
 * millisecond (or when the clock steps back) the previous id's random part
 * is incremented instead of drawn anew. Across processes and hosts the 80
 * random bits keep ids unique; their order within one millisecond is then
 * arbitrary.
 */
export class UlidFactory {
  #lastTime = -1;
  #lastDigits: number[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  next(): string {
    let time = Math.min(this.#now(), MAX_TIME);

    if (time <= this.#lastTime) {
      time = this.#lastTime;
      if (!incrementDigits(this.#lastDigits)) {
        // 2^80 ids in one millisecond cannot happen; borrow the next one.
        time += 1;
        this.#lastDigits = randomDigits();
      }
    } else {
      this.#lastDigits = randomDigits();
    }
    this.#lastTime = time;

    const random = this.#lastDigits.map((d) => ALPHABET[d]!).join('');
    return encodeTime(time) + random;
  }
}

/** One factory per process, so all managers in it share the ordering. */
const processFactory = new UlidFactory();

export function createUlid(): string {
  return processFactory.next();
}
