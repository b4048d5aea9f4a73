/**
 * MSB-first bit reader with Exp-Golomb (H.264 §9.1). Reading past the end never throws: it
 * yields zeros and sets `overrun`, so parsers of untrusted bytes check one flag at the end.
 */
export class BitReader {
  private bitPos = 0;
  overrun = false;

  constructor(private readonly bytes: Uint8Array) {}

  get bitsLeft(): number {
    return this.bytes.length * 8 - this.bitPos;
  }

  readBit(): number {
    if (this.bitPos >= this.bytes.length * 8) {
      this.overrun = true;
      return 0;
    }
    const bit = (this.bytes[this.bitPos >> 3]! >> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return bit;
  }

  /** Up to 32 bits, unsigned. */
  readBits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.readBit();
    return value;
  }

  skipBits(count: number): void {
    if (this.bitPos + count > this.bytes.length * 8) this.overrun = true;
    this.bitPos = Math.min(this.bitPos + count, this.bytes.length * 8);
  }

  readUe(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      if (this.overrun || ++leadingZeros > 31) {
        this.overrun = true;
        return 0;
      }
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  readSe(): number {
    const k = this.readUe();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
