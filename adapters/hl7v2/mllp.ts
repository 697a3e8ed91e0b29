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

/** Big enough for a report with an embedded PDF (OBX-5 ED), small enough to bound memory per connection. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface DeframerEvents {
  /** One complete payload, without VT and FS CR. */
  frame(payload: Buffer): void;
  /** Bytes thrown away: outside any block (noise), a block cut short by a new VT (restart), or a block too large. */
  discard(kind: 'noise' | 'restart' | 'oversize', bytes: number): void;
}

export class MllpDeframer {
  private parts: Buffer[] = [];
  private size = 0;
  private inside = false;
  /** The CR that should follow FS; not counted as noise. */
  private expectCr = false;
  private noise = 0;

  constructor(
    private readonly events: DeframerEvents,
    private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  ) {}

  push(data: Buffer): void {
    let i = 0;
    while (i < data.length) {
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
      this.append(data.subarray(i, stop));
      if (end < 0) break;
      // FS ends the block; emit now rather than wait for the CR, which may come in the next chunk.
      if (this.inside) this.emit();
      i = end + 1;
    }
    this.flushNoise();
  }

  private begin(): void {
    this.parts = [];
    this.size = 0;
    this.inside = true;
  }

  private append(chunk: Buffer): void {
    if (!this.inside || chunk.length === 0) return;
    if (this.size + chunk.length > this.maxFrameBytes) {
      this.events.discard('oversize', this.size + chunk.length);
      this.parts = [];
      this.size = 0;
      this.inside = false;
      return;
    }
    this.parts.push(chunk);
    this.size += chunk.length;
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
    if (this.noise > 0) this.events.discard('noise', this.noise);
    this.noise = 0;
  }
}

/** Wraps a payload in an MLLP block. */
export function frame(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([VT]), payload, Buffer.from([FS, CR])]);
}

/**
 * The payload's character set from MSH-18 (v2.5.1 Ch. 2 §2.15.9.18, table 0211): ISO 8859-1 when
 * the sender says so, UTF-8 otherwise (ASCII is a subset). Read before decoding: MSH is ASCII.
 */
export function charsetOf(payload: Buffer): 'latin1' | 'utf8' {
  const firstSegment = payload.subarray(0, Math.max(0, payload.indexOf(CR))).toString('latin1') || payload.toString('latin1', 0, 2048);
  if (!firstSegment.startsWith('MSH') || firstSegment.length < 4) return 'utf8';
  const msh18 = firstSegment.split(firstSegment[3])[17] ?? '';
  return /^8859\/1$/i.test(msh18.split(firstSegment[4] ?? '^')[0].trim()) ? 'latin1' : 'utf8';
}
