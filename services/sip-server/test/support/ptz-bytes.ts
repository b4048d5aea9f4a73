import type { PtzAction } from "@ivc/bus";

/** GB/T 28181-2016 A.3.1 layout: A5, 0F, address 1, code, data1, data2, data3<<4 | address high, checksum. */
export function expectedHex(code: number, data1: number, data2: number, data3: number): string {
  const bytes = [0xa5, 0x0f, 0x01, code, data1, data2, data3 << 4];
  bytes.push(bytes.reduce((a, b) => a + b, 0) % 256);
  return Buffer.from(bytes).toString("hex").toUpperCase();
}

// Instruction codes by hand from A.3.2 (bit0 right, bit1 left, bit2 down, bit3 up, bit4 zoom in,
// bit5 zoom out) and A.3.3 (0x40 | bit0 focus far, bit1 near, bit2 iris open, bit3 iris close).
const CODES: Record<PtzAction, { code: number; speeds: "pan" | "tilt" | "both" | "zoom" | "focus" | "iris" }> = {
  up: { code: 0x08, speeds: "tilt" },
  down: { code: 0x04, speeds: "tilt" },
  left: { code: 0x02, speeds: "pan" },
  right: { code: 0x01, speeds: "pan" },
  leftup: { code: 0x0a, speeds: "both" },
  rightup: { code: 0x09, speeds: "both" },
  leftdown: { code: 0x06, speeds: "both" },
  rightdown: { code: 0x05, speeds: "both" },
  zoomin: { code: 0x10, speeds: "zoom" },
  zoomout: { code: 0x20, speeds: "zoom" },
  focusfar: { code: 0x41, speeds: "focus" },
  focusnear: { code: 0x42, speeds: "focus" },
  irisin: { code: 0x44, speeds: "iris" },
  irisout: { code: 0x48, speeds: "iris" },
};

export function expectedPtzHex(action: PtzAction, speed: number): string {
  const { code, speeds } = CODES[action];
  const byte = Math.round((speed * 255) / 8);
  const nibble = Math.round((speed * 15) / 8);
  const data1 = speeds === "pan" || speeds === "both" || speeds === "focus" ? byte : 0;
  const data2 = speeds === "tilt" || speeds === "both" || speeds === "iris" ? byte : 0;
  return expectedHex(code, data1, data2, speeds === "zoom" ? nibble : 0);
}

