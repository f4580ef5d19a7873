import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import * as wsPackage from 'ws';
import {
  clientFrame,
  FrameParser,
  type FrameSink,
  OPCODE_BINARY,
  OPCODE_CLOSE,
  OPCODE_CONTINUATION,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  type TextEncoding,
} from '../../src/websocket/websocket-framing.js';

// The `ws` package's own framing, as the reference: its types do not declare Sender and Receiver.
interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1?: boolean;
}
const { Sender, Receiver } = wsPackage as unknown as {
  Sender: { frame(data: Buffer, options: WsFrameOptions): Buffer[] };
  Receiver: new (options: { isServer: boolean; maxPayload?: number }) => Writable;
};

/** A frame as a server sends it, built by `ws`. */
function wsFrame(
  opcode: number,
  payload: Buffer | string,
  options: { fin?: boolean; rsv1?: boolean; mask?: boolean } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat(
    Sender.frame(data, {
      fin: options.fin ?? true,
      opcode,
      mask: options.mask ?? false,
      readOnly: true,
      rsv1: options.rsv1 ?? false,
    }),
  );
}

function closeBody(code: number, reason: string): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

/** Everything the parser reported, in order, as comparable strings. */
class Recorder implements FrameSink {
  readonly events: string[] = [];
  onText(text: string): void {
    this.events.push(`text:${text}`);
  }
  onBinary(data: Buffer): void {
    this.events.push(`binary:${data.toString('hex')}`);
  }
  onPing(payload: Buffer): void {
    this.events.push(`ping:${payload.toString()}`);
  }
  onPong(payload: Buffer): void {
    this.events.push(`pong:${payload.toString()}`);
  }
  onClose(code: number, reason: string): void {
    this.events.push(`close:${code}:${reason}`);
  }
  onProtocolError(message: string, closeCode: number): void {
    this.events.push(`error:${closeCode}:${message}`);
  }
}

function parse(chunks: Buffer[], options: { maxPayload?: number; encoding?: TextEncoding } = {}): string[] {
  const recorder = new Recorder();
  const parser = new FrameParser(recorder, options.maxPayload ?? 1 << 20, options.encoding ?? 'utf8');
  for (const chunk of chunks) {
    // Parse from the middle of a larger, reused buffer, as the shared read buffer is used.
    const host = Buffer.alloc(chunk.length + 8, 0xee);
    chunk.copy(host, 3);
    parser.push(host, 3, 3 + chunk.length);
    host.fill(0xdd);
  }
  return recorder.events;
}

const text126 = 'x'.repeat(126);
const unicode = 'prix: 42 € — ok ✓';
const stream = Buffer.concat([
  wsFrame(OPCODE_TEXT, '42/prices,["price.update",{"symbol":"BTC/USDT","seq":1}]'),
  wsFrame(OPCODE_TEXT, ''),
  wsFrame(OPCODE_TEXT, text126),
  wsFrame(OPCODE_PING, 'are you there'),
  wsFrame(OPCODE_TEXT, unicode),
  wsFrame(OPCODE_BINARY, Buffer.from([0, 1, 2, 255])),
  wsFrame(OPCODE_TEXT, 'frag-', { fin: false }),
  wsFrame(OPCODE_PONG, 'between fragments'),
  wsFrame(OPCODE_CONTINUATION, 'men', { fin: false }),
  wsFrame(OPCODE_CONTINUATION, 'ted', { fin: true }),
  wsFrame(OPCODE_TEXT, 'y'.repeat(300)),
  wsFrame(OPCODE_CLOSE, closeBody(4001, 'bye')),
  // After a close frame nothing is parsed.
  wsFrame(OPCODE_TEXT, 'after close'),
]);
const expected = [
  'text:42/prices,["price.update",{"symbol":"BTC/USDT","seq":1}]',
  'text:',
  `text:${text126}`,
  'ping:are you there',
  `text:${unicode}`,
  'binary:000102ff',
  'pong:between fragments',
  'text:frag-mented',
  `text:${'y'.repeat(300)}`,
  'close:4001:bye',
];

describe('FrameParser on frames built by ws', () => {
  it('reads many frames from one chunk', () => {
    expect(parse([stream])).toEqual(expected);
  });

  it('reads the same frames split in two at every byte offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      expect(parse([stream.subarray(0, at), stream.subarray(at)]), `split at ${at}`).toEqual(expected);
    }
  });

  it('reads the same frames split in three at every pair of offsets around the 16-bit header', () => {
    // The 126-byte frame's header (4 bytes) sits at this offset: cut it in every possible way.
    const start = stream.indexOf(Buffer.from([0x81, 126]));
    for (let a = start - 2; a <= start + 6; a++) {
      for (let b = a; b <= start + 8; b++) {
        const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        expect(parse(chunks), `cuts at ${a}, ${b}`).toEqual(expected);
      }
    }
  });

  it('reads them one byte at a time', () => {
    const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    expect(parse(bytes)).toEqual(expected);
  });

  it('reads a 65 536-byte payload (64-bit length) whole, split at every header byte, and byte by byte', () => {
    const big = Buffer.alloc(65_536, 'a');
    big.write('start', 0);
    big.write('end', big.length - 3);
    const frames = Buffer.concat([wsFrame(OPCODE_TEXT, big), wsFrame(OPCODE_TEXT, 'next')]);
    expect(frames[1]).toBe(127);
    const want = [`text:${big.toString()}`, 'text:next'];
    expect(parse([frames])).toEqual(want);
    for (const at of [1, 2, 5, 9, 10, 11, 100, 65_545, 65_546, 65_547, frames.length - 1]) {
      expect(parse([frames.subarray(0, at), frames.subarray(at)]), `split at ${at}`).toEqual(want);
    }
    expect(parse(Array.from(frames, (_, i) => frames.subarray(i, i + 1)))).toEqual(want);
  });

  it('decodes latin1 one char per byte: ASCII stays exact inside UTF-8 text', () => {
    const frame = wsFrame(OPCODE_TEXT, '{"note":"€","seq":7}');
    const [event] = parse([frame], { encoding: 'latin1' });
    expect(event).toBe(`text:${Buffer.from('{"note":"€","seq":7}').toString('latin1')}`);
    expect(event?.endsWith('"seq":7}')).toBe(true);
  });

  it('reads a close frame without a code as 1005', () => {
    expect(parse([wsFrame(OPCODE_CLOSE, Buffer.alloc(0))])).toEqual(['close:1005:']);
  });
});

describe('FrameParser refuses protocol violations', () => {
  const cases: [string, Buffer, string][] = [
    ['a masked server frame', wsFrame(OPCODE_TEXT, 'hi', { mask: true }), 'error:1002:a server frame is masked'],
    ['RSV1 without an extension', wsFrame(OPCODE_TEXT, 'hi', { rsv1: true }), 'error:1002:RSV bits set'],
    ['an unknown data opcode', wsFrame(0x3, 'hi'), 'error:1002:unknown opcode 3'],
    ['an unknown control opcode', wsFrame(0xb, 'hi'), 'error:1002:unknown opcode 11'],
    ['a continuation without a message', wsFrame(OPCODE_CONTINUATION, 'hi'), 'error:1002:a continuation frame'],
    ['a fragmented ping', wsFrame(OPCODE_PING, 'hi', { fin: false }), 'error:1002:a fragmented control frame'],
    ['a 126-byte ping', wsFrame(OPCODE_PING, 'p'.repeat(126)), 'error:1002:a control frame payload over 125'],
    ['a 1-byte close', wsFrame(OPCODE_CLOSE, Buffer.from([3])), 'error:1002:a close frame with a 1-byte'],
    ['close code 1005 on the wire', wsFrame(OPCODE_CLOSE, closeBody(1005, '')), 'error:1002:invalid close code 1005'],
    ['close code 2000', wsFrame(OPCODE_CLOSE, closeBody(2000, '')), 'error:1002:invalid close code 2000'],
    [
      'a new message inside a fragmented one',
      Buffer.concat([wsFrame(OPCODE_TEXT, 'a', { fin: false }), wsFrame(OPCODE_TEXT, 'b')]),
      'error:1002:a new message began inside',
    ],
    ['a frame over maxPayload', wsFrame(OPCODE_TEXT, 'z'.repeat(200)), 'error:1009:frame payload of 200 bytes'],
    [
      'a fragmented message over maxPayload',
      Buffer.concat([
        wsFrame(OPCODE_TEXT, 'z'.repeat(100), { fin: false }),
        wsFrame(OPCODE_CONTINUATION, 'z'.repeat(100)),
      ]),
      'error:1009:message of over 150 bytes',
    ],
  ];
  for (const [name, bytes, error] of cases) {
    it(`${name}, and parses nothing after it`, () => {
      const after = wsFrame(OPCODE_TEXT, 'never');
      for (const chunks of [[Buffer.concat([bytes, after])], [bytes.subarray(0, 1), bytes.subarray(1), after]]) {
        const events = parse(chunks, { maxPayload: 150 });
        expect(events).toHaveLength(1);
        expect(events[0]?.startsWith(error), events[0]).toBe(true);
      }
    });
  }

  it('refuses a 64-bit length beyond 2^53 before waiting for its payload', () => {
    const header = Buffer.from([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 1]);
    expect(parse([header])).toEqual(['error:1009:payload length over 2^53']);
  });
});

describe('clientFrame', () => {
  /** Frames as a `ws` server reads them (it requires the mask bit on every client frame). */
  function receive(frames: Buffer[]): Promise<string[]> {
    const receiver = new Receiver({ isServer: true, maxPayload: 1 << 20 });
    const got: string[] = [];
    receiver.on('message', (data: Buffer, isBinary: boolean) =>
      got.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`),
    );
    receiver.on('ping', (data: Buffer) => got.push(`ping:${data.toString()}`));
    receiver.on('pong', (data: Buffer) => got.push(`pong:${data.toString()}`));
    receiver.on('conclude', (code: number, reason: Buffer) => got.push(`close:${code}:${reason.toString()}`));
    receiver.on('error', (err: Error) => got.push(`error:${err.message}`));
    receiver.write(Buffer.concat(frames));
    // The receiver parses synchronously; one turn lets any deferred event out.
    return new Promise((resolve) => setImmediate(() => resolve(got)));
  }

  it('builds masked frames a ws server accepts, at every length encoding', async () => {
    const mid = 'm'.repeat(126);
    const big = 'b'.repeat(65_536);
    const frames = [
      clientFrame(OPCODE_TEXT, 'hello €'),
      clientFrame(OPCODE_TEXT, mid),
      clientFrame(OPCODE_TEXT, big),
      clientFrame(OPCODE_BINARY, Buffer.from('raw')),
      clientFrame(OPCODE_PONG, Buffer.from('echo')),
      clientFrame(OPCODE_CLOSE, Buffer.from([0x03, 0xe8])),
    ];
    for (const frame of frames) expect((frame[1] as number) & 0x80).toBe(0x80);
    expect(await receive(frames)).toEqual([
      'text:hello €',
      `text:${mid}`,
      `text:${big}`,
      'binary:raw',
      'pong:echo',
      'close:1000:',
    ]);
  });

  it('uses a fresh mask per frame', () => {
    const masks = new Set(
      Array.from({ length: 64 }, () => clientFrame(OPCODE_TEXT, 'x').subarray(2, 6).toString('hex')),
    );
    expect(masks.size).toBeGreaterThan(60);
  });
});
