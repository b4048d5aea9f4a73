/**
 * PTZCmd: the 8-byte front-end control instruction of GB/T 28181-2016 Appendix A.3,
 * sent as 16 upper-case hex characters inside DeviceControl/PTZCmd.
 *
 *   byte 1  0xA5 header
 *   byte 2  version (high nibble, 0) | (0xA + 0x5 + version) mod 16 (low nibble) = 0x0F
 *   byte 3  address, low 8 bits
 *   byte 4  instruction code
 *   byte 5  data 1      byte 6  data 2
 *   byte 7  data 3 (high nibble) | address high 4 bits (low nibble)
 *   byte 8  checksum = (byte 1 + … + byte 7) mod 256
 */

export type PtzCommand =
  | { readonly type: "stop" }
  /** A.3.2 PTZ instruction: any combination of one pan, one tilt and one zoom direction. */
  | {
      readonly type: "move";
      readonly pan?: "left" | "right";
      readonly tilt?: "up" | "down";
      readonly zoom?: "in" | "out";
      /** 0–255 */
      readonly panSpeed?: number;
      /** 0–255 */
      readonly tiltSpeed?: number;
      /** 0–15 */
      readonly zoomSpeed?: number;
    }
  /** A.3.3 FI instruction: focus and iris; neither direction = stop lens. */
  | {
      readonly type: "lens";
      readonly focus?: "near" | "far";
      readonly iris?: "open" | "close";
      readonly focusSpeed?: number;
      readonly irisSpeed?: number;
    }
  /** A.3.4 preset: index 1–255. */
  | { readonly type: "preset"; readonly action: "set" | "goto" | "delete"; readonly index: number }
  /**
   * A.3.5 cruise: `value` is the preset for add/remove (0 removes the whole cruise),
   * the speed for "speed", the dwell seconds for "dwell" (12 bits), ignored for "start".
   */
  | { readonly type: "cruise"; readonly action: "add" | "remove" | "speed" | "dwell" | "start"; readonly group: number; readonly value?: number }
  /** A.3.6 auto-scan: start, set left/right boundary, or set speed (12 bits). */
  | { readonly type: "scan"; readonly action: "start" | "left" | "right" | "speed"; readonly group: number; readonly speed?: number }
  /** A.3.7 auxiliary switch (e.g. 1 = wiper on many devices). */
  | { readonly type: "aux"; readonly action: "on" | "off"; readonly switchNumber: number };

export type PtzDecodeResult =
  | { readonly ok: true; readonly address: number; readonly command: PtzCommand }
  | { readonly ok: false; readonly reason: string };

const HEADER = 0xa5;
const VERSION = 0;
const COMBINATION_1 = (VERSION << 4) | ((0xa + 0x5 + VERSION) % 16);

const PAN = { right: 0x01, left: 0x02 } as const;
const TILT = { down: 0x04, up: 0x08 } as const;
const ZOOM = { in: 0x10, out: 0x20 } as const;
const FI_BASE = 0x40;
const FOCUS = { far: 0x01, near: 0x02 } as const;
const IRIS = { open: 0x04, close: 0x08 } as const;
const PRESET = { set: 0x81, goto: 0x82, delete: 0x83 } as const;
const CRUISE = { add: 0x84, remove: 0x85, speed: 0x86, dwell: 0x87, start: 0x88 } as const;
const SCAN_ACTION = { start: 0, left: 1, right: 2 } as const;
const SCAN = 0x89;
const SCAN_SPEED = 0x8a;
const AUX = { on: 0x8c, off: 0x8d } as const;

interface Fields {
  readonly code: number;
  readonly data1: number;
  readonly data2: number;
  /** 4 bits */
  readonly data3: number;
}

function checked(value: number | undefined, max: number, what: string): number {
  const resolved = value ?? 0;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved > max) throw new RangeError(`${what} must be 0..${max}: ${value}`);
  return resolved;
}

/** 12-bit values are split: low 8 bits in data 2, high 4 bits in data 3 (A.3.5, A.3.6). */
function split12(value: number | undefined, what: string): { data2: number; data3: number } {
  const resolved = checked(value, 0xfff, what);
  return { data2: resolved & 0xff, data3: resolved >> 8 };
}

function fieldsOf(command: PtzCommand): Fields {
  switch (command.type) {
    case "stop":
      return { code: 0, data1: 0, data2: 0, data3: 0 };
    case "move": {
      const code = (command.pan ? PAN[command.pan] : 0) | (command.tilt ? TILT[command.tilt] : 0) | (command.zoom ? ZOOM[command.zoom] : 0);
      return {
        code,
        data1: checked(command.panSpeed, 0xff, "panSpeed"),
        data2: checked(command.tiltSpeed, 0xff, "tiltSpeed"),
        data3: checked(command.zoomSpeed, 0xf, "zoomSpeed"),
      };
    }
    case "lens":
      return {
        code: FI_BASE | (command.focus ? FOCUS[command.focus] : 0) | (command.iris ? IRIS[command.iris] : 0),
        data1: checked(command.focusSpeed, 0xff, "focusSpeed"),
        data2: checked(command.irisSpeed, 0xff, "irisSpeed"),
        data3: 0,
      };
    case "preset":
      return { code: PRESET[command.action], data1: 0, data2: checked(command.index, 0xff, "preset index"), data3: 0 };
    case "cruise": {
      const group = checked(command.group, 0xff, "cruise group");
      if (command.action === "speed" || command.action === "dwell") {
        return { code: CRUISE[command.action], data1: group, ...split12(command.value, `cruise ${command.action}`) };
      }
      return { code: CRUISE[command.action], data1: group, data2: checked(command.value, 0xff, "cruise preset"), data3: 0 };
    }
    case "scan": {
      const group = checked(command.group, 0xff, "scan group");
      if (command.action === "speed") return { code: SCAN_SPEED, data1: group, ...split12(command.speed, "scan speed") };
      return { code: SCAN, data1: group, data2: SCAN_ACTION[command.action], data3: 0 };
    }
    case "aux":
      return { code: AUX[command.action], data1: checked(command.switchNumber, 0xff, "aux switch"), data2: 0, data3: 0 };
  }
}

/** Encode to 16 upper-case hex characters. `address` is the 12-bit device address (default 1). */
export function encodePtzCmd(command: PtzCommand, address = 1): string {
  const resolvedAddress = checked(address, 0xfff, "address");
  const fields = fieldsOf(command);
  const bytes = [HEADER, COMBINATION_1, resolvedAddress & 0xff, fields.code, fields.data1, fields.data2, (fields.data3 << 4) | (resolvedAddress >> 8)];
  bytes.push(bytes.reduce((sum, byte) => sum + byte, 0) % 256);
  return bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("").toUpperCase();
}

function keyOf<T extends Record<string, number>>(table: T, code: number): keyof T | undefined {
  return (Object.keys(table) as (keyof T)[]).find((key) => table[key] === code);
}

function decodeFields(fields: Fields): PtzCommand | string {
  const { code, data1, data2, data3 } = fields;
  if (code === 0) return { type: "stop" };
  if ((code & 0xc0) === 0) {
    if ((code & 0x03) === 0x03 || (code & 0x0c) === 0x0c || (code & 0x30) === 0x30) return `contradictory PTZ bits 0x${code.toString(16)}`;
    const pan = keyOf(PAN, code & 0x03);
    const tilt = keyOf(TILT, code & 0x0c);
    const zoom = keyOf(ZOOM, code & 0x30);
    return {
      type: "move",
      ...(pan === undefined ? {} : { pan }),
      ...(tilt === undefined ? {} : { tilt }),
      ...(zoom === undefined ? {} : { zoom }),
      panSpeed: data1,
      tiltSpeed: data2,
      zoomSpeed: data3,
    };
  }
  if ((code & 0xf0) === FI_BASE) {
    if ((code & 0x03) === 0x03 || (code & 0x0c) === 0x0c) return `contradictory FI bits 0x${code.toString(16)}`;
    const focus = keyOf(FOCUS, code & 0x03);
    const iris = keyOf(IRIS, code & 0x0c);
    return { type: "lens", ...(focus === undefined ? {} : { focus }), ...(iris === undefined ? {} : { iris }), focusSpeed: data1, irisSpeed: data2 };
  }
  const preset = keyOf(PRESET, code);
  if (preset !== undefined) return { type: "preset", action: preset, index: data2 };
  const cruise = keyOf(CRUISE, code);
  if (cruise !== undefined) {
    const value = cruise === "speed" || cruise === "dwell" ? (data3 << 8) | data2 : data2;
    return { type: "cruise", action: cruise, group: data1, value };
  }
  if (code === SCAN) {
    const action = keyOf(SCAN_ACTION, data2);
    return action === undefined ? `unknown scan action ${data2}` : { type: "scan", action, group: data1 };
  }
  if (code === SCAN_SPEED) return { type: "scan", action: "speed", group: data1, speed: (data3 << 8) | data2 };
  const aux = keyOf(AUX, code);
  if (aux !== undefined) return { type: "aux", action: aux, switchNumber: data1 };
  return `unknown instruction code 0x${code.toString(16).padStart(2, "0")}`;
}

/** Decode and validate a PTZCmd hex string (case-insensitive, surrounding whitespace ignored). */
export function decodePtzCmd(hex: string): PtzDecodeResult {
  const text = hex.trim();
  if (!/^[0-9a-fA-F]{16}$/.test(text)) return { ok: false, reason: "expected 16 hex characters" };
  const bytes = Array.from({ length: 8 }, (_, i) => parseInt(text.slice(i * 2, i * 2 + 2), 16));
  const [header, combination, addressLow, code, data1, data2, combination2, checksum] = bytes as [number, number, number, number, number, number, number, number];
  if (header !== HEADER) return { ok: false, reason: `bad header 0x${header.toString(16)}` };
  if ((combination & 0x0f) !== (0xa + 0x5 + (combination >> 4)) % 16) return { ok: false, reason: "bad combination code 1" };
  const expected = bytes.slice(0, 7).reduce((sum, byte) => sum + byte, 0) % 256;
  if (checksum !== expected) return { ok: false, reason: `bad checksum 0x${checksum.toString(16)}, expected 0x${expected.toString(16)}` };
  const command = decodeFields({ code, data1, data2, data3: combination2 >> 4 });
  if (typeof command === "string") return { ok: false, reason: command };
  return { ok: true, address: ((combination2 & 0x0f) << 8) | addressLow, command };
}
