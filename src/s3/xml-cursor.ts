/**
 * A forward-only position in a string, the only way the DeleteObjects reader looks at its input.
 * Every character examination goes through `code`/`codeAt`, and every copied run through `take`,
 * so a subclass can count them (the linear-work test does) without touching the reader.
 */
export class Cursor {
  /** Index of the next character to read. Only ever grows. */
  pos = 0;

  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  /** The char code at `pos + offset`, or -1 past the end. */
  codeAt(offset: number): number {
    const at = this.pos + offset;
    return at < this.text.length ? this.text.charCodeAt(at) : -1;
  }

  /** The char code at `pos`, or -1 past the end. */
  code(): number {
    return this.codeAt(0);
  }

  /** Moves forward; never back. */
  advance(count = 1): void {
    this.pos += count;
  }

  /** The text from `start` (an earlier `pos`) up to `pos`. */
  take(start: number): string {
    return this.text.slice(start, this.pos);
  }
}
