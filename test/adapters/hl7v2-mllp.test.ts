import { MllpDeframer, frame } from '../../adapters/hl7v2/mllp';

const VT = '\x0b';
const END = '\x1c\r';

function deframe(chunks: (string | Buffer)[], maxFrameBytes?: number) {
  const frames: string[] = [];
  const discarded: { kind: string; bytes: number }[] = [];
  const oversize: string[] = [];
  let begun = 0;
  const deframer = new MllpDeframer(
    { frame: (p) => frames.push(p.toString('utf8')), discard: (kind, bytes) => discarded.push({ kind, bytes }), begin: () => begun++, oversize: (header) => oversize.push(header.toString('utf8')) },
    maxFrameBytes,
  );
  for (const chunk of chunks) deframer.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return { frames, discarded, oversize, begun, deframer };
}

describe('MLLP framing (VT ... FS CR)', () => {
  it('two frames in one TCP chunk are two messages', () => {
    expect(deframe([`${VT}MSH|a${END}${VT}MSH|b${END}`]).frames).toEqual(['MSH|a', 'MSH|b']);
  });

  it('a frame split across chunks, even between FS and CR, is one message, delivered at FS', () => {
    const { frames, discarded } = deframe([`${VT}MSH|`, 'hello\x1c']);
    expect(frames).toEqual(['MSH|hello']);
    expect(deframe([`${VT}MSH|`, 'hello\x1c', '\r', `${VT}MSH|2${END}`])).toMatchObject({ frames: ['MSH|hello', 'MSH|2'], discarded });
  });

  it('noise bytes between two frames are discarded and counted; the second message is kept', () => {
    const { frames, discarded } = deframe([`${VT}MSH|1${END}\r\n  garbage\x00`, `more${VT}MSH|2${END}`]);
    expect(frames).toEqual(['MSH|1', 'MSH|2']);
    expect(discarded).toEqual([
      { kind: 'noise', bytes: 12 },
      { kind: 'noise', bytes: 4 },
    ]);
  });

  it('a frame cut short by a new VT is dropped and the new one is kept', () => {
    const { frames, discarded } = deframe([`${VT}MSH|cut${VT}MSH|whole${END}`]);
    expect(frames).toEqual(['MSH|whole']);
    expect(discarded).toEqual([{ kind: 'restart', bytes: 7 }]);
  });

  it('a frame larger than the limit is reported with its MSH segment, and nothing after it is read', () => {
    const { frames, oversize } = deframe([`${VT}MSH|^~\\&|LAB\rOBX|${'x'.repeat(50)}`, `${'y'.repeat(50)}${END}${VT}MSH|ok${END}`], 64);
    expect(oversize).toEqual(['MSH|^~\\&|LAB']);
    expect(frames).toEqual([]);
  });

  it('a frame over the limit whose first segment did not end within it is reported without a header', () => {
    expect(deframe([`${VT}MSH|${'x'.repeat(100)}`], 64).oversize).toEqual(['']);
  });

  it('a frame of exactly the limit is delivered', () => {
    const payload = `MSH|${'x'.repeat(60)}`;
    expect(deframe([`${VT}${payload}${END}`], 64)).toMatchObject({ frames: [payload], oversize: [] });
  });

  it('tells when a frame begins, at each VT', () => {
    expect(deframe([`${VT}MSH|1${END}${VT}MSH|`, `2${END}`]).begun).toBe(2);
  });

  it('after halt() a frame under way is dropped and nothing more is delivered', () => {
    const { deframer, frames } = deframe([`${VT}MSH|under way`]);
    deframer.halt();
    deframer.push(Buffer.from(`${END}${VT}MSH|next${END}`));
    expect(frames).toEqual([]);
  });

  it('keeps multi-byte UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from(`${VT}MSH|Créatinine µmol/L${END}`, 'utf8');
    const at = bytes.indexOf(0xc3) + 1; // inside "é"
    expect(deframe([bytes.subarray(0, at), bytes.subarray(at)]).frames).toEqual(['MSH|Créatinine µmol/L']);
  });

  it('frame() wraps a payload in VT and FS CR', () => {
    expect([...frame(Buffer.from('MSH|x'))]).toEqual([0x0b, ...Buffer.from('MSH|x'), 0x1c, 0x0d]);
  });
});
