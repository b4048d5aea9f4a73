/**
 * G.711 A-law (ITU-T G.711 §A) encoding of 16-bit linear PCM, for the simulated microphone.
 * Segment search over the 13-bit magnitude, even bits inverted (XOR 0x55) as the standard says.
 */
export function linearToAlaw(sample: number): number {
  const clamped = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = clamped >= 0 ? 0x80 : 0x00;
  const magnitude = (clamped >= 0 ? clamped : -clamped - 1) >> 3;
  let segment = 0;
  // Segment ends 0x1F, 0x3F, 0x7F … 0xFFF (G.711 Table 1a).
  while (segment < 8 && magnitude > (0x20 << segment) - 1) segment++;
  if (segment >= 8) return (0x7f | sign) ^ 0x55;
  const mantissa = segment < 2 ? (magnitude >> 1) & 0x0f : (magnitude >> segment) & 0x0f;
  return (sign | (segment << 4) | mantissa) ^ 0x55;
}

/** A-law decode (for tests and sanity checks). */
export function alawToLinear(code: number): number {
  const value = code ^ 0x55;
  const segment = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = segment === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (segment - 1);
  return value & 0x80 ? magnitude : -magnitude;
}

/**
 * `count` A-law samples of a sine at 8 kHz starting at sample index `first`, so consecutive calls
 * continue the wave without a click.
 */
export function alawSine(first: number, count: number, frequencyHz = 1000, amplitude = 8000): Buffer {
  const out = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) out[i] = linearToAlaw(amplitude * Math.sin((2 * Math.PI * frequencyHz * (first + i)) / 8000));
  return out;
}
