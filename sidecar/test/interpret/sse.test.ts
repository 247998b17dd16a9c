import { parseSseEvents } from '../../src/interpret';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('parseSseEvents', () => {
  it('parses data-only events (OpenAI chat) with end offsets in bytes', () => {
    const body = 'data: {"a":1}\n\ndata: [DONE]\n\n';
    expect(parseSseEvents(body)).toEqual([
      { data: '{"a":1}', endOffset: 15 },
      { data: '[DONE]', endOffset: 29 },
    ]);
  });

  it('keeps the event name (Anthropic and Responses API streams)', () => {
    const body = 'event: message_start\ndata: {"type":"message_start"}\n\nevent: ping\ndata: {"type": "ping"}\n\n';
    const events = parseSseEvents(body);
    expect(events.map((e) => e.event)).toEqual(['message_start', 'ping']);
    expect(events[1]?.data).toBe('{"type": "ping"}');
    expect(events[1]?.endOffset).toBe(bytes(body));
  });

  it('joins multi-line data with LF', () => {
    expect(parseSseEvents('data: first\ndata: second\ndata\ndata:  two spaces\n\n')).toEqual([
      { data: 'first\nsecond\n\n two spaces', endOffset: 49 },
    ]);
  });

  it('accepts CRLF, CR and LF line endings, mixed', () => {
    const body = 'data: a\r\n\r\ndata: b\r\rdata: c\n\nevent: e\r\ndata: d\r\n\n';
    const events = parseSseEvents(body);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      [undefined, 'a'],
      [undefined, 'b'],
      [undefined, 'c'],
      ['e', 'd'],
    ]);
    expect(events.map((e) => e.endOffset)).toEqual([11, 20, 29, bytes(body)]);
  });

  it('ignores comments, unknown fields, id and retry', () => {
    const body = ': keep-alive\n:\nid: 7\nretry: 1000\nfoo: bar\ndata: x\n\n';
    expect(parseSseEvents(body)).toEqual([{ data: 'x', endOffset: bytes(body) }]);
  });

  it('does not dispatch an event without data, and resets its event name', () => {
    const body = 'event: ping\n\ndata: after\n\n';
    expect(parseSseEvents(body)).toEqual([{ data: 'after', endOffset: bytes(body) }]);
  });

  it('dispatches an empty data field as an empty string', () => {
    expect(parseSseEvents('data:\n\n')).toEqual([{ data: '', endOffset: 7 }]);
  });

  it('drops a final event without its blank line, and a final unterminated line (truncated capture)', () => {
    expect(parseSseEvents('data: complete\n\ndata: cut')).toEqual([{ data: 'complete', endOffset: 16 }]);
    expect(parseSseEvents('data: complete\n\ndata: whole line\n')).toEqual([{ data: 'complete', endOffset: 16 }]);
  });

  it('removes only one leading space of a value, and takes the field up to the first colon', () => {
    expect(parseSseEvents('data:no-space\n\ndata:   three\n\ndata: a: b\n\n').map((e) => e.data)).toEqual(['no-space', '  three', 'a: b']);
  });

  it('field names are case-sensitive', () => {
    expect(parseSseEvents('Data: x\nEVENT: y\n\n')).toEqual([]);
  });

  it('skips one leading BOM but counts its bytes', () => {
    const body = '\ufeffdata: x\n\n';
    expect(parseSseEvents(body)).toEqual([{ data: 'x', endOffset: 3 + 9 }]);
    // A second BOM is part of the field name, so that line is an unknown field.
    expect(parseSseEvents('\ufeff\ufeffdata: x\n\n')).toEqual([]);
  });

  it('counts multi-byte characters in offsets and decodes them', () => {
    const body = 'data: {"t":"héllo 👋"}\n\ndata: 日本\n\n';
    const events = parseSseEvents(Buffer.from(body, 'utf8'));
    expect(events.map((e) => e.data)).toEqual(['{"t":"héllo 👋"}', '日本']);
    expect(events[0]?.endOffset).toBe(bytes('data: {"t":"héllo 👋"}\n\n'));
    expect(events[1]?.endOffset).toBe(bytes(body));
  });

  it('replaces invalid UTF-8 rather than failing', () => {
    const body = Buffer.concat([Buffer.from('data: '), Buffer.from([0xff, 0xfe]), Buffer.from('\n\n')]);
    expect(parseSseEvents(body)).toEqual([{ data: '\ufffd\ufffd', endOffset: 10 }]);
  });

  it('gives the same events for a Buffer and a Uint8Array view', () => {
    const body = Buffer.from('xxdata: a\n\n', 'utf8');
    const view = new Uint8Array(body.buffer, body.byteOffset + 2, body.length - 2);
    expect(parseSseEvents(view as unknown as Buffer)).toEqual([{ data: 'a', endOffset: 9 }]);
  });

  it('returns no events for empty or non-text input', () => {
    expect(parseSseEvents('')).toEqual([]);
    expect(parseSseEvents(Buffer.alloc(0))).toEqual([]);
    expect(parseSseEvents(undefined as unknown as string)).toEqual([]);
    expect(parseSseEvents(42 as unknown as string)).toEqual([]);
  });

  it('a blank line terminated by a final CR completes the event', () => {
    expect(parseSseEvents('data: x\r\r')).toEqual([{ data: 'x', endOffset: 9 }]);
  });
});
