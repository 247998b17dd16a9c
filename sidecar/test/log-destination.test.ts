import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogDestination, formatIsoTime } from '../src/log-destination';
import { waitUntil } from './support/http-client';

// The access log's writer (issue 15): lines are batched before they reach sonic-boom. What a reader of the log
// must still see: every line, whole and in order, soon after it was logged, and everything at exit.
describe('the log destination', () => {
  let dir: string;
  let fd: number;
  const read = () => readFileSync(join(dir, 'out.log'), 'utf8');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
    fd = openSync(join(dir, 'out.log'), 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a quiet logger\'s lines reach the file within the flush interval', async () => {
    const destination = createLogDestination({ fd, batchBytes: 64 * 1024, flushIntervalMs: 20, maxBufferedBytes: 1024 * 1024 });
    destination.write('{"msg":"listening"}\n');
    await waitUntil(() => read() === '{"msg":"listening"}\n', 'the line to be written', 2000);
  });

  test('a burst larger than a batch arrives whole and in order', async () => {
    const destination = createLogDestination({ fd, batchBytes: 1024, flushIntervalMs: 60_000, maxBufferedBytes: 16 * 1024 * 1024 });
    const lines = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"msg":"request","path":"/v1/chat/completions é"}\n`);
    for (const line of lines) destination.write(line);
    destination.flush();
    // Batches are written one after another, asynchronously: the file grows to exactly the lines, in order.
    const expected = lines.join('');
    await waitUntil(() => read().length >= expected.length, 'every batch to be written', 5000);
    expect(read()).toBe(expected);
  });

  test('flushSync writes what is still batched before the process exits (the `stopped` line)', () => {
    const destination = createLogDestination({ fd, batchBytes: 64 * 1024, flushIntervalMs: 60_000, maxBufferedBytes: 1024 * 1024 });
    destination.write('{"msg":"shutting down"}\n');
    destination.write('{"msg":"stopped"}\n');
    destination.flushSync();
    expect(read()).toBe('{"msg":"shutting down"}\n{"msg":"stopped"}\n');
  });

  test('formatIsoTime is pino\'s isoTime, the current time as an ISO string', () => {
    const before = Date.now();
    const text = formatIsoTime();
    const match = /^,"time":"(.+)"$/.exec(text);
    expect(match).not.toBeNull();
    const at = Date.parse(match?.[1] ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});
