import { describe, expect, it } from 'vitest';
import { prepareJob, readEnvelope } from './job-envelope.js';
import { canonicalJson, jobId } from './job-id.js';

describe('content-addressed job ids', () => {
  it('ignore key order and undefined fields, and change with any value', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
    expect(jobId('score-shard', { a: 1, b: 2 })).toBe(jobId('score-shard', { b: 2, a: 1 }));
    expect(jobId('score-shard', { a: 1, b: 2 })).not.toBe(jobId('score-shard', { a: 1, b: 3 }));
    expect(jobId('score-shard', { a: 1 })).not.toBe(jobId('train-run', { a: 1 }));
    expect(jobId('train-run', {})).toMatch(/^train-run-[0-9a-f]{32}$/);
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/not a JSON number/);
  });

  it('wrap jobs in an envelope that workers check', () => {
    const job = prepareJob({ kind: 'echo', payload: { text: 'a' } });
    expect(readEnvelope(JSON.parse(JSON.stringify(job.data)))).toEqual(job.data);
    expect(() => readEnvelope('hello')).toThrow(expect.objectContaining({ code: 'RFM_JOB_FOREIGN', message: expect.stringMatching(/expected an object, got "hello"/) }));
    expect(() => readEnvelope({ format: 'rfm-job/1', kind: '' })).toThrow(/field "kind" is ""/);
  });
});
