import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_LINE_CHARS,
  ObserverCounter,
} from '../../src/store/observer-summary.js';
import { SnapshotManager } from '../../src/store/snapshot-manager.js';
import {
  makeTempRoot,
  observerLines,
  writeFiles,
  type TempRoot,
} from '../support/workspace.js';

function count(...chunks: (string | Uint8Array)[]) {
  const counter = new ObserverCounter();
  for (const chunk of chunks) {
    counter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return counter.finish();
}

describe('what the observer summary counts', () => {
  it.each([
    ['an empty timeline', '', null],
    ['only blank lines', '\n\n  \n', null],
    ['JSON that is not an object', '1\n"s"\nnull\n[{"event":"x"}]\n', null],
    ['unparsable lines', '{"event":\nnot json\n', null],
    [
      'events by name, "unknown" without one',
      '{"event":"a"}\n{"event":"a"}\n{"other":1}\n',
      { total_events: 3, by_type: { a: 2, unknown: 1 } },
    ],
    [
      'an event that is not a string as "unknown"',
      '{"event":5}\n{"event":null}\n',
      { total_events: 2, by_type: { unknown: 2 } },
    ],
    [
      'a last line without its newline',
      '{"event":"a"}\n{"event":"b"}',
      { total_events: 2, by_type: { a: 1, b: 1 } },
    ],
    [
      'Windows line ends',
      '{"event":"a"}\r\n{"event":"b"}\r\n',
      { total_events: 2, by_type: { a: 1, b: 1 } },
    ],
    [
      'a repeated event key as JSON.parse reads it: the last one wins',
      '{"event":"a","event":"b"}\n{"event":"a","x":1,"event":7}\n',
      { total_events: 2, by_type: { b: 1, unknown: 1 } },
    ],
    [
      'escapes, spaces and nesting, read in full',
      '{ "event" : "a\\"b" }\n{"event":"\\u0041","n":{"event":"x"}}\n',
      { total_events: 2, by_type: { 'a"b': 1, A: 1 } },
    ],
    [
      'a line that only looks plain',
      '{"event":"a","x":01}\n{"event":"a","x":1.}\n{"event":"a",}\n',
      null,
    ],
    [
      'an event named like a prototype key',
      '{"event":"__proto__"}\n',
      { total_events: 1, by_type: { ['__proto__']: 1 } },
    ],
  ])('handles %s', (_label, text, expected) => {
    const summary = count(text);

    expect(summary).toEqual(expected);
    if (expected)
      expect(Object.keys(summary!.by_type)).toEqual(
        Object.keys(expected.by_type),
      );
  });

  it('agrees with JSON.parse on thousands of generated lines', () => {
    const events = ['"a"', '"b\\"c"', '1', 'null', '"\u00e9"', '"x'];
    const members = [
      ',"x":1',
      ',"event":"z"',
      ',"y":01',
      ', "s":"t"',
      ',"n":{"event":"q"}',
      ',"e":1e5',
      ',"f":-0',
      ',"g":1.',
      ',"h":"\\u0041"',
      ',"events":true',
    ];
    const ends = ['}', '} ', '', '}}'];
    let seed = 12345;
    const pick = <T>(items: T[]): T => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return items[(seed >>> 8) % items.length]!;
    };
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let line = `{"event":${pick(events)}`;
      for (let j = i % 4; j > 0; j--) line += pick(members);
      lines.push(line + pick(ends));
    }
    const expected = new Map<string, number>();
    for (const line of lines) {
      try {
        const record: unknown = JSON.parse(line);
        if (typeof record !== 'object' || record === null) continue;
        if (Array.isArray(record)) continue;
        const event = (record as { event?: unknown }).event;
        const type = typeof event === 'string' ? event : 'unknown';
        expected.set(type, (expected.get(type) ?? 0) + 1);
      } catch {
        continue;
      }
    }

    const summary = count(lines.join('\n'));

    expect(expected.size).toBeGreaterThan(3);
    expect(summary?.by_type).toEqual(Object.fromEntries(expected));
  });

  it('gives the same answer whatever the chunk boundaries', () => {
    const text = observerLines(['a', 'b', null, 'a', 'ü-event']);
    const bytes = Buffer.from(text);
    const oneByOne = Array.from(bytes, (b) => Uint8Array.of(b));

    expect(count(...oneByOne)).toEqual(count(text));
    expect(count(text)).toEqual({
      total_events: 5,
      by_type: { a: 2, b: 1, unknown: 1, 'ü-event': 1 },
    });
  });

  it.each([2, 3, 5, 7, 16])(
    'decodes split characters and bad bytes alike in chunks of %i bytes',
    (size) => {
      const bytes = Buffer.concat([
        Buffer.from('{"event":"日本"}\n{"event":"é"}\r\n{"event":"x'),
        Buffer.from([0xe6, 0x97, 0x0a, 0xff, 0x0a]),
        Buffer.from('{"event":"ü"}\n\n{"event":"日本","n":1}\n'),
      ]);
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) {
        chunks.push(bytes.subarray(i, i + size));
      }
      const oneByOne = Array.from(bytes, (b) => Uint8Array.of(b));

      expect(count(...chunks)).toEqual(count(...oneByOne));
      expect(count(...chunks)).toEqual({
        total_events: 4,
        by_type: { 日本: 2, é: 1, ü: 1 },
      });
    },
  );

  it('reads invalid UTF-8 with replacement characters instead of failing', () => {
    const line = Buffer.concat([
      Buffer.from('{"event":"bad'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"event":"ok"}\n'),
    ]);

    expect(count(line)).toEqual({
      total_events: 2,
      by_type: { 'bad\ufffd\ufffd': 1, ok: 1 },
    });
  });

  it('skips a line longer than the limit without holding it, then goes on', () => {
    const huge = `{"event":"huge","pad":"${'x'.repeat(MAX_LINE_CHARS)}"}\n`;
    const chunks = [];
    for (let i = 0; i < huge.length; i += 1 << 20) {
      chunks.push(huge.slice(i, i + (1 << 20)));
    }

    const summary = count('{"event":"a"}\n', ...chunks, '{"event":"b"}\n');

    expect(summary).toEqual({ total_events: 2, by_type: { a: 1, b: 1 } });
  });
});

describe('the summary in a snapshot', () => {
  let temp: TempRoot;
  let store: SnapshotManager;

  beforeEach(async () => {
    temp = await makeTempRoot();
    store = new SnapshotManager({ baseDir: temp.storeDir });
  });

  afterEach(async () => {
    await store.close();
    await temp.dispose();
  });

  it('is written beside the manifest and shown in detail', async () => {
    await writeFiles(temp.workspace, {
      '.marianne-observer.jsonl': observerLines(['start', 'tool', 'tool']),
    });

    const snapshot = await store.capture('job', temp.workspace);
    const detail = await store.getSnapshot('job', snapshot!.id);
    const file = join(
      snapshot!.path,
      '.marianne-snapshot/observer-summary.json',
    );

    const expected = { total_events: 3, by_type: { start: 1, tool: 2 } };
    expect(detail.observer).toEqual(expected);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(expected);
  });

  it('is absent for a timeline with nothing countable, and the capture stands', async () => {
    await writeFile(
      join(temp.workspace, '.marianne-observer.jsonl'),
      Buffer.from([0xff, 0x0a, 0x31, 0x0a]),
    );

    const snapshot = await store.capture('job', temp.workspace);
    const detail = await store.getSnapshot('job', snapshot!.id);

    expect(detail.observer).toBeNull();
    expect(detail.artifacts.map((a) => a.name)).toEqual([
      '.marianne-observer.jsonl',
    ]);
  });
});
