import { describe, expect, it } from 'vitest';
import { findRawId, splitArray } from '../../src/server/raw-json.js';

describe('finding the id as written', () => {
  it.each([
    ['{"id":1}', '1'],
    ['{ "id" : 12345678901234567890123 , "x":1}', '12345678901234567890123'],
    ['{"params":{"id":5},"id":2.50}', '2.50'],
    ['{"a":"\\"id\\":9","id":-0}', '-0'],
    ['{"a":"x\\\\","id":7}', '7'],
    ['{"id":1,"id":1e2}', '1e2'],
    ['{"list":[{"id":3}],"id":"s"}', '"s"'],
    ['{"method":"m"}', undefined],
    ['[1]', undefined],
  ])('finds the top-level id of %s', (text, expected) => {
    JSON.parse(text);

    expect(findRawId(text)).toBe(expected);
  });
});

describe('splitting a batch', () => {
  it('returns each member exactly as written', () => {
    const text = '[ {"id":1.0,"a":[1,{"b":"]"}]} , 2,"x,y" ,null,[3]]';

    expect(splitArray(text)).toEqual([
      '{"id":1.0,"a":[1,{"b":"]"}]}',
      '2',
      '"x,y"',
      'null',
      '[3]',
    ]);
  });
});
