/**
 * MLLP framing (HL7 v2.5.1 Appendix C §C.4 "Minimal Lower Layer Protocol"): each message travels as
 * <VT 0x0B> payload <FS 0x1C><CR 0x0D>, and bytes outside a block are not part of any message.
 *
 * Why not the deframer inside @medplum/hl7's Hl7Connection: it buffers TCP chunks until one
 * *ends* with FS CR and then drops the first and last bytes of the whole buffer. So two frames in
 * one chunk become one garbled message, a stray byte before VT is kept as content, a stray byte
 * after FS CR makes it wait for (and swallow) the next frame, and after a parse error its buffer is
 * never reset, so every later message on that connection is lost. A receiver must survive line
 * noise and keep the next message, hence this small state machine. The sending side (the demo lab)
 * still uses @medplum/hl7's Hl7Client, whose framing of what it sends is correct.
 */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;
const LF = 0x0a;

/** The default of MLLP_MAX_FRAME_BYTES (lib/config.ts): a report with an embedded PDF (OBX-5 ED) fits. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface DeframerEvents {
  /** One complete payload, without VT and FS CR. */
  frame(payload: Buffer): void;
  /** Bytes thrown away: outside any block (noise), or a block cut short by a new VT (restart). */
  discard(kind: 'noise' | 'restart', bytes: number): void;
  /** A VT opened a block (a receiver times how long it stays open). */
  begin?(): void;
  /**
   * A block grew past the cap. Given: its first segment (MSH, so that the NAK can name the
   * message), empty when no CR came within the bytes kept. The deframer then reads nothing more:
   * the rest of that block is unread, so where the next block starts cannot be known.
   */
  oversize?(header: Buffer): void;
}

export class MllpDeframer {
  private parts: Buffer[] = [];
  private size = 0;
  private inside = false;
  /** The CR that should follow FS; not counted as noise. */
  private expectCr = false;
  private noise = 0;
  private halted = false;

  constructor(
    private readonly events: DeframerEvents,
    /** Most bytes kept for one block: never more is buffered. */
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(data: Buffer): void {
    let i = 0;
    while (i < data.length && !this.halted) {
      if (!this.inside) {
        if (this.expectCr) {
          this.expectCr = false;
          if (data[i] === CR) {
            i++;
            continue;
          }
        }
        const start = data.indexOf(VT, i);
        this.noise += (start < 0 ? data.length : start) - i;
        if (start < 0) break;
        this.flushNoise();
        this.begin();
        i = start + 1;
        continue;
      }
      const end = data.indexOf(FS, i);
      const stop = end < 0 ? data.length : end;
      const restart = data.indexOf(VT, i);
      if (restart >= 0 && restart < stop) {
        // A new block began before this one ended: the sender gave up on it (§C.4.3), so do we.
        this.events.discard('restart', this.size + (restart - i));
        this.begin();
        i = restart + 1;
        continue;
      }
      if (!this.append(data.subarray(i, stop))) break;
      if (end < 0) break;
      // FS ends the block; emit now rather than wait for the CR, which may come in the next chunk.
      this.emit();
      i = end + 1;
    }
    this.flushNoise();
  }

  /** Reads nothing more: a block under way is dropped, bytes still coming are ignored. */
  halt(): void {
    this.halted = true;
    this.parts = [];
    this.size = 0;
    this.inside = false;
  }

  private begin(): void {
    this.parts = [];
    this.size = 0;
    this.inside = true;
    this.events.begin?.();
  }

  /** False when the block passed the cap (the deframer is then halted). */
  private append(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    if (this.size + chunk.length > this.maxFrameBytes) {
      const header = headerOf(Buffer.concat([...this.parts, chunk.subarray(0, this.maxFrameBytes - this.size)]));
      this.halt();
      this.events.oversize?.(header);
      return false;
    }
    this.parts.push(chunk);
    this.size += chunk.length;
    return true;
  }

  private emit(): void {
    const payload = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.inside = false;
    this.expectCr = true;
    this.events.frame(payload);
  }

  private flushNoise(): void {
    if (this.noise > 0 && !this.halted) this.events.discard('noise', this.noise);
    this.noise = 0;
  }
}

/** The first segment of a block (past any CR/LF before it), copied; empty when it did not end within the bytes. */
function headerOf(bytes: Buffer): Buffer {
  let start = 0;
  while (bytes[start] === CR || bytes[start] === LF) start++;
  const end = bytes.indexOf(CR, start);
  return end < 0 ? Buffer.alloc(0) : Buffer.from(bytes.subarray(start, end));
}

/** Wraps a payload in an MLLP block. */
export function frame(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([VT]), payload, Buffer.from([FS, CR])]);
}

