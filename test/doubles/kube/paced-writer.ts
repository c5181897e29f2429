/**
 * Writes an answer in pieces of at most `maxBytes` bytes, one piece per turn of the event loop, as a large
 * answer reaches a client over many TLS records and TCP segments. Pieces are cut at byte offsets, so a
 * multi-byte UTF-8 character may be split between two of them, as on the wire.
 */
import type { Response } from 'express';

/** What the server's middleware leaves in `res.locals` for answers to be written in pieces. */
export const maxWriteBytesKey = 'maxWriteBytes';

export class PacedWriter {
  #queue: Buffer[] = [];
  #ending = false;
  #pumping = false;

  constructor(
    readonly res: Response,
    readonly maxBytes: number,
  ) {}

  /** The writer for an answer, with the server's `maxWriteBytes` (unbounded when unset or 0). */
  static for(res: Response): PacedWriter {
    const max = Number(res.locals[maxWriteBytesKey] ?? 0);
    return new PacedWriter(res, max > 0 ? max : Infinity);
  }

  write(data: string | Buffer): void {
    if (this.#ending) return;
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.maxBytes === Infinity || buffer.length <= this.maxBytes) this.#queue.push(buffer);
    else
      for (let at = 0; at < buffer.length; at += this.maxBytes)
        this.#queue.push(buffer.subarray(at, at + this.maxBytes));
    this.#pump();
  }

  /** Ends the answer once every queued piece is written. */
  end(): void {
    this.#ending = true;
    this.#pump();
  }

  /** Pieces not yet written. */
  get pending(): number {
    return this.#queue.length;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const step = (): void => {
      if (this.res.destroyed || this.res.writableEnded) {
        this.#queue = [];
        this.#pumping = false;
        return;
      }
      const piece = this.#queue.shift();
      if (piece !== undefined) this.res.write(piece);
      if (this.#queue.length > 0) {
        setImmediate(step);
        return;
      }
      this.#pumping = false;
      if (this.#ending) this.res.end();
    };
    step();
  }
}
