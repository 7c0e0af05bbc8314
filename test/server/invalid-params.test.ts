import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { METHODS, type MethodName } from '../../protocol/index.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';
import { exchange, parseLines, type Json } from '../support/raw-socket.js';

// Params every method accepts, each optional param included, so that
// breaking one param at a time leaves exactly one offender.
const VALID: Record<MethodName, Record<string, unknown>> = {
  'daemon.health': {},
  'rpc.discover': {},
  'snapshot.capture': {
    job_id: 'job',
    workspace: '/tmp/ws',
    config_path: '/tmp/ws/config.yaml',
    progress_token: 'p',
  },
  'snapshot.list': { job_id: 'job', limit: 5 },
  'snapshot.jobs': {},
  'snapshot.get': { job_id: 'job', id: 'abc' },
  'snapshot.cleanup': {
    max_age_hours: 1,
    job_id: 'job',
    keep_last: 1,
    max_total_bytes: 10,
    dry_run: true,
    progress_token: 3,
  },
  'snapshot.delete': { job_id: 'job', id: 'abc' },
  'snapshot.verify': { job_id: 'job', id: 'abc', progress_token: 'v' },
  'snapshot.restore': {
    job_id: 'job',
    id: 'abc',
    target: '/tmp/target',
    overwrite: true,
  },
  'snapshot.diff': { job_id: 'job', from: 'a', to: 'b' },
  'snapshot.pin': { job_id: 'job', id: 'abc' },
  'snapshot.unpin': { job_id: 'job', id: 'abc' },
};

interface Case {
  name: string;
  method: MethodName;
  params: Record<string, unknown>;
  field: string;
  message?: RegExp;
}

const names = Object.keys(METHODS) as MethodName[];

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const method of names) {
    const valid = VALID[method];
    const shape = (METHODS[method].params as unknown as z.ZodObject).shape;
    cases.push({
      name: `${method} with an unknown param`,
      method,
      params: { ...valid, bogus: 1 },
      field: 'bogus',
      message: /unknown param/,
    });
    for (const key of Object.keys(shape)) {
      cases.push({
        name: `${method} with ${key} of the wrong type`,
        method,
        params: { ...valid, [key]: { wrong: true } },
        field: key,
      });
      const { [key]: _dropped, ...without } = valid;
      if (!shape[key]!.safeParse(undefined).success) {
        cases.push({
          name: `${method} without ${key}`,
          method,
          params: without,
          field: key,
          message: new RegExp(`${key}: is required`),
        });
      }
    }
  }
  return cases;
}

const VALUE_CASES: Case[] = [
  ['snapshot.list', { job_id: '..' }, 'job_id'],
  ['snapshot.list', { job_id: '.hidden' }, 'job_id'],
  ['snapshot.list', { job_id: 'a/b' }, 'job_id'],
  ['snapshot.list', { job_id: '' }, 'job_id'],
  ['snapshot.list', { job_id: 'x'.repeat(129) }, 'job_id'],
  ['snapshot.list', { job_id: 'j', limit: 0 }, 'limit'],
  ['snapshot.list', { job_id: 'j', limit: 1.5 }, 'limit'],
  ['snapshot.capture', { job_id: 'j', workspace: 'relative/ws' }, 'workspace'],
  [
    'snapshot.capture',
    { job_id: 'j', workspace: '/ws', config_path: 'c.yaml' },
    'config_path',
  ],
  ['snapshot.get', { job_id: 'j', id: '../x' }, 'id'],
  ['snapshot.restore', { job_id: 'j', id: 'a', target: '' }, 'target'],
  ['snapshot.cleanup', { max_age_hours: -1 }, 'max_age_hours'],
  ['snapshot.cleanup', { keep_last: -2 }, 'keep_last'],
  ['snapshot.verify', { id: 'abc' }, 'job_id'],
].map(([method, params, field]) => ({
  name: `${method as string} with ${JSON.stringify(params)}`,
  method: method as MethodName,
  params: params as Record<string, unknown>,
  field: field as string,
}));

let daemon: DaemonProcess;
const replies = new Map<number, Json>();
const cases = [...buildCases(), ...VALUE_CASES];

beforeAll(async () => {
  daemon = await startDaemonProcess();
  const lines = cases.map((c, id) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: c.method, params: c.params }),
  );
  const output = await exchange(daemon.socket, lines.join('\n') + '\n');
  for (const reply of parseLines(output)) replies.set(reply.id, reply);
});

afterAll(async () => {
  await daemon.dispose();
});

describe('invalid params', () => {
  it('has valid sample params for every method', () => {
    for (const method of names) {
      expect(METHODS[method].params.safeParse(VALID[method]).success).toBe(
        true,
      );
    }
  });

  it.each(cases.map((c, id) => [c.name, c, id] as const))(
    'refuses %s, naming the param',
    (_name, testCase, id) => {
      const reply = replies.get(id);

      expect(reply?.error).toMatchObject({
        code: -32602,
        data: { code: 'INVALID_PARAMS', field: testCase.field },
      });
      expect(reply.error.message).toMatch(/^Invalid params: /);
      if (testCase.message)
        expect(reply.error.message).toMatch(testCase.message);
    },
  );
});
